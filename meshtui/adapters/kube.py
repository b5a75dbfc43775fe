"""The Kubernetes API through the official client: kubeconfig, requests, watches, streams.

Everything goes through `kubernetes.config` (kubeconfig merging, contexts, auth
plugins, TLS) and the client's own `ApiClient`/REST layer, so the code that talks to
the simulated cluster in tests is the code that talks to kind on a laptop. Objects
stay plain JSON dicts: meshtui reads a handful of fields from thousands of pods, and
building the client's pydantic models for each would cost more than the whole render.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from meshtui.adapters import imports
from meshtui.adapters.kubeconfig import default_kubeconfig, load_contexts, resolve_context
from meshtui.domain.cluster import ContextInfo
from meshtui.domain.errors import ClusterUnreachable, MeshtuiError
from meshtui.domain.text import inert

__all__ = ["KubeApiError", "KubeClient", "WatchStream", "default_kubeconfig", "load_contexts", "path_for",
           "resolve_context", "shutdown_response"]

DEFAULT_TIMEOUT = (5.0, 30.0)


class KubeApiError(MeshtuiError):
    """The API server answered with an error status."""

    def __init__(self, status: int, reason: str, message: str, body: dict | None = None) -> None:
        message, reason = inert(message), inert(reason)  # the server's words: external text
        super().__init__(f"{message} (HTTP {status} {reason})".strip())
        self.status = status
        self.reason = reason
        self.api_message = message
        self.body = body or {}


def _status_error(status: int, reason: str, data: bytes) -> KubeApiError:
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or (data[:200].decode(errors="replace").strip() if data else reason)
    return KubeApiError(status, body.get("reason") or reason or "", message, body)


class WatchStream:
    """A blocking iterator over watch events that another thread can stop at once."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self._stopped = threading.Event()

    def __iter__(self) -> Iterator[dict]:
        import urllib3

        buffer = b""
        try:
            for chunk in self._response.stream(65536, decode_content=True):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield json.loads(line)
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError, OSError, ValueError):
            if self._stopped.is_set():
                return
            raise
        finally:
            self._response.release_conn()

    def stop(self) -> None:
        """Unblock a pending read (closing the response alone does not)."""
        self._stopped.set()
        shutdown_response(self._response)


def shutdown_response(response: Any) -> None:
    """Shut the socket under a streaming urllib3 response so a blocked read returns."""
    try:
        sock = response.connection.sock if response.connection else None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError):
        pass
    try:
        response.close()
    except Exception:
        pass


@dataclass
class KubeClient:
    """A connection to one API server, from a kubeconfig context."""

    context: ContextInfo
    api_client: Any

    @classmethod
    def connect(cls, kubeconfig: str | None = None, context: str | None = None) -> KubeClient:
        """Build a client for `context` (or the current one) of `kubeconfig`."""
        imports.ensure(*imports.KUBE)
        from kubernetes import config as kconfig

        ctx = resolve_context(kubeconfig, context)
        try:
            api_client = kconfig.new_client_from_config(config_file=kubeconfig or default_kubeconfig(),
                                                        context=ctx.name, persist_config=False)
        except Exception as exc:
            raise ClusterUnreachable(inert(f"cannot use context {ctx.name!r}: {exc}")) from None
        # Many concurrent log streams and watches share this pool.
        api_client.rest_client.pool_manager.connection_pool_kw["maxsize"] = 64
        return cls(ctx, api_client)

    @property
    def server(self) -> str:
        return str(self.api_client.configuration.host)

    def transport(self) -> tuple[str, str | None, str | None]:
        """(server URL, proxy URL, no_proxy) exactly as the client's configuration will use them (no request)."""
        config = self.api_client.configuration
        return str(config.host), config.proxy or None, config.no_proxy or None

    def _call(self, method: str, path: str, query: Mapping[str, Any] | None, body: Any,
              content_type: str | None, timeout: Any, accept: str = "application/json") -> Any:
        import urllib3

        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        params = [(k, v) for k, v in (query or {}).items() if v is not None]
        params = [(k, ("true" if v else "false") if isinstance(v, bool) else str(v)) for k, v in params]
        try:
            req = self.api_client.param_serialize(method=method, resource_path=path, query_params=params,
                                                  header_params=headers, body=body,
                                                  auth_settings=["BearerToken"])
            return self.api_client.call_api(*req, _request_timeout=timeout)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ClusterUnreachable(f"cannot reach the API server {self.server}: {_short(exc)}",
                                     hint="is the cluster running? `meshtui status` or `meshtui doctor`") from None

    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None, body: Any = None,
                content_type: str | None = None, timeout: Any = DEFAULT_TIMEOUT) -> Any:
        """One request; returns the decoded JSON body, raises `KubeApiError` on error status."""
        response = self._call(method, path, query, body, content_type, timeout)
        data = response.read()
        if response.status >= 400:
            raise _status_error(response.status, response.reason or "", data)
        if not data:
            return {}
        try:
            return json.loads(data)
        except ValueError:
            return data.decode(errors="replace")

    def open_stream(self, path: str, *, query: Mapping[str, Any] | None = None,
                    timeout: Any = (5.0, None), accept: str = "application/json") -> Any:
        """A streaming GET; returns the urllib3 response (caller reads and closes)."""
        response = self._call("GET", path, query, None, None, timeout, accept=accept)
        if response.status >= 400:
            data = response.read()
            raise _status_error(response.status, response.reason or "", data)
        return response.response

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def watch(self, path: str, *, resource_version: str | None, timeout_seconds: int | None = None,
              **query: Any) -> WatchStream:
        """Open a watch from `resource_version` with bookmarks on."""
        params = {**query, "watch": True, "allowWatchBookmarks": True, "resourceVersion": resource_version,
                  "timeoutSeconds": timeout_seconds}
        return WatchStream(self.open_stream(path, query=params))

    def version(self) -> dict:
        """`/version` of the API server (fast: a 3 s timeout)."""
        return self.request("GET", "/version", timeout=(3.0, 5.0))

    def close(self) -> None:
        try:
            self.api_client.close()
        except Exception:
            pass


def _short(exc: BaseException) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text.split(":")[-1].strip()[:160] or type(exc).__name__


def path_for(group: str, version: str, plural: str, namespace: str | None = None, name: str | None = None,
             subresource: str | None = None) -> str:
    """REST path of a resource collection or object (core group when `group` is empty)."""
    base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    if namespace:
        base += f"/namespaces/{quote(namespace, safe='')}"
    base += f"/{plural}"
    if name:
        base += f"/{quote(name, safe='')}"
    if subresource:
        base += f"/{subresource}"
    return base
