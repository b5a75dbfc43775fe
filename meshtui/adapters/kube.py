"""The Kubernetes API through the official client: kubeconfig, requests, watches, streams.

Everything goes through `kubernetes.config` (kubeconfig merging, contexts, auth
plugins, TLS) and the client's own `ApiClient`/REST layer, so the code that talks to
the simulated cluster in tests is the code that talks to kind on a laptop. Objects
stay plain JSON dicts: meshtui reads a handful of fields from thousands of pods, and
building the client's pydantic models for each would cost more than the whole render.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from meshtui.adapters import imports
from meshtui.adapters.kube_streams import (
    WatchStream,
    announced,
    make_announcing,
    shutdown_connection,
    shutdown_response,
)
from meshtui.adapters.kube_wire import brief, check_socks, describe
from meshtui.adapters.kubeconfig import default_kubeconfig, load_contexts, resolve_context, select
from meshtui.adapters.kubeconfig import read as read_kubeconfig
from meshtui.adapters.kubeconfig_schema import KubeconfigInvalid
from meshtui.domain.cluster import ContextInfo
from meshtui.domain.errors import ClusterUnreachable, MeshtuiError, UsageError
from meshtui.domain.text import inert

__all__ = ["ApiUnreachable", "KubeApiError", "KubeClient", "brief", "KubeconfigInvalid", "WatchStream", "default_kubeconfig", "load_contexts",
           "path_for", "resolve_context", "shutdown_connection", "shutdown_response"]

DEFAULT_TIMEOUT = (5.0, 15.0)
"""(connect, read) seconds of one request; a read that waits longer ends it with a clear message."""
BIG_BODY = 1 << 18
"""Bodies of this many bytes or more (a list page of ~100 pods and up) decode with the collector paused:
decoding 20,000 pods builds about a million dicts and lists, none of them garbage."""


class KubeApiError(MeshtuiError):
    """The API server answered with an error status."""

    def __init__(self, status: int, reason: str, message: str, body: dict | None = None) -> None:
        message, reason = inert(message), inert(reason)  # the server's words: external text
        super().__init__(f"{message} (HTTP {status} {reason})".strip())
        self.status = status
        self.reason = reason
        self.api_message = message
        self.body = body or {}


class ApiUnreachable(ClusterUnreachable):
    """No answer from the API server; `kind` and `cause` say why in a few words (for a reconnect notice)."""

    def __init__(self, message: str, kind: str, cause: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.kind, self.cause = kind, cause


def _status_error(status: int, reason: str, data: bytes) -> KubeApiError:
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or (data[:200].decode(errors="replace").strip() if data else reason)
    return KubeApiError(status, body.get("reason") or reason or "", message, body)


@dataclass
class KubeClient:
    """A connection to one API server, from a kubeconfig context.

    `connect` reads the kubeconfig and sets up where requests go (server, proxy, TLS) but
    runs no credential plugin and sends nothing: the safety guard judges `transport()` first.
    Credentials (an exec plugin such as `aws eks get-token`, an OIDC refresh) are loaded
    on the first request, so a write the guard refuses never runs them.
    """

    context: ContextInfo
    configuration: Any
    """The client's `Configuration` (host, proxy; TLS files and credentials once the first request is made)."""
    kubeconfig: str = ""
    """The kubeconfig file list (the `KUBECONFIG` value) the context came from: what kubectl/istioctl must read."""
    _loader: Any = None
    _api: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def connect(cls, kubeconfig: str | None = None, context: str | None = None) -> KubeClient:
        """Prepare a client for `context` (or the current one) of `kubeconfig`; nothing runs, nothing is sent."""
        imports.ensure(*imports.KUBE, settle=True)  # a command starting: see adapters.imports
        import urllib3
        from kubernetes.client import Configuration
        from kubernetes.config.kube_config import KubeConfigLoader

        config = read_kubeconfig(kubeconfig)
        ctx = select(config, context)
        if not ctx.server.strip():
            raise KubeconfigInvalid(inert(f"context {ctx.name!r}: cluster {ctx.cluster!r} names no API server"),
                                    path=config.env_value)
        configuration = Configuration()
        configuration.host = ctx.server.rstrip("/")  # as the loader sets it
        if ctx.proxy_url is not None:
            configuration.proxy = ctx.proxy_url
        # a server that accepts but never answers: one read timeout, not four (urllib3 retries idempotent reads)
        configuration.retries = urllib3.Retry(total=2, connect=2, read=0, status=0, redirect=0, other=0)
        try:
            loader = KubeConfigLoader(config_dict=config.client_node(), active_context=ctx.name, config_base_path=None)
        except Exception as exc:  # the loader raises ConfigException for a context whose cluster is missing
            raise KubeconfigInvalid(inert(f"context {ctx.name!r}: {exc}"), path=config.env_value) from None
        return cls(ctx, configuration, config.env_value, loader)

    @property
    def api_client(self) -> Any:
        """The official `ApiClient`, built on first use: credentials are loaded (plugins run) only now."""
        with self._lock:
            if self._api is None:
                from kubernetes.client import ApiClient

                judged = self.transport()
                check_socks(self.configuration)
                try:
                    self._loader.load_and_set(self.configuration)
                except Exception as exc:  # a failing credential plugin or token file
                    raise ClusterUnreachable(inert(f"cannot load the credentials of context {self.context.name!r}: "
                                                   f"{exc}")) from None
                if self.transport() != judged:  # the guard judged this; loading credentials must not move it
                    raise ClusterUnreachable(f"context {self.context.name!r}: the server or proxy changed while "
                                             "loading credentials; refusing to send anything")
                try:
                    api = ApiClient(configuration=self.configuration)
                except ValueError as exc:  # e.g. urllib3's ProxySchemeUnknown for `HTTPS_PROXY=host:port`
                    raise UsageError(inert(f"context {self.context.name!r}: cannot use its connection settings "
                                           f"(proxy {self.configuration.proxy}): {exc}")) from None
                api.rest_client.pool_manager.connection_pool_kw["maxsize"] = 64  # log streams and watches share it
                make_announcing(api.rest_client.pool_manager)  # a stream's open can be cut (`open_stream`)
                self._api = api
            return self._api

    @property
    def server(self) -> str:
        return str(self.configuration.host)

    def transport(self) -> tuple[str, str | None, str | None]:
        """(server URL, proxy URL, no_proxy) exactly as the client's configuration will use them (no request)."""
        config = self.configuration
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
            kind, cause = brief(exc, timeout) or ("unreachable", "API server unreachable")
            raise ApiUnreachable(inert(f"cannot reach the API server {self.server}: {describe(exc, timeout)}"),
                                 kind, cause, hint="is the cluster running? `meshtui status` or `meshtui doctor`") from None

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
            if len(data) < BIG_BODY:
                return json.loads(data)
            with imports.collector_paused():  # a big list decodes into objects that all survive the decode
                return json.loads(data)
        except ValueError:
            return data.decode(errors="replace")

    def open_stream(self, path: str, *, query: Mapping[str, Any] | None = None, timeout: Any = (5.0, None),
                    accept: str = "application/json", announce: Callable[[Any], None] | None = None) -> Any:
        """A streaming GET; returns the urllib3 response (caller reads and closes).

        `announce(connection)` is called on this thread once the request is sent, before the wait for the
        response, so another thread can end that wait (`shutdown_connection`): a follow has no read timeout
        (a quiet pod's body is silent for ever), and a server may accept a request and never answer."""
        with announced(announce):
            response = self._call("GET", path, query, None, None, timeout, accept=accept)
        if response.status >= 400:
            data = response.read()
            raise _status_error(response.status, response.reason or "", data)
        return response.response

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def watch(self, path: str, *, resource_version: str | None, timeout_seconds: int | None = None,
              announce: Callable[[Any], None] | None = None, **query: Any) -> WatchStream:
        """Open a watch from `resource_version` with bookmarks on (`announce`: as for `open_stream`)."""
        params = {**query, "watch": True, "allowWatchBookmarks": True, "resourceVersion": resource_version,
                  "timeoutSeconds": timeout_seconds}
        return WatchStream(self.open_stream(path, query=params, announce=announce))

    def version(self) -> dict:
        """`/version` of the API server (fast: a 3 s timeout)."""
        return self.request("GET", "/version", timeout=(3.0, 5.0))

    def close(self) -> None:
        if self._api is not None:
            try:
                self._api.close()
            except Exception:
                pass


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
