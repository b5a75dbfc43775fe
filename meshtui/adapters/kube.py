"""The Kubernetes API through the official client: kubeconfig, requests, watches, streams.

Everything goes through `kubernetes.config` (kubeconfig merging, contexts, auth
plugins, TLS) and the client's own `ApiClient`/REST layer, so the code that talks to
the simulated cluster in tests is the code that talks to kind on a laptop. Objects
stay plain JSON dicts: meshtui reads a handful of fields from thousands of pods, and
building the client's pydantic models for each would cost more than the whole render.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from meshtui.adapters import imports
from meshtui.domain.cluster import ContextInfo
from meshtui.domain.endpoints import ca_fingerprint
from meshtui.domain.errors import ClusterUnreachable, MeshtuiError, ProfileError
from meshtui.domain.text import inert

DEFAULT_TIMEOUT = (5.0, 30.0)
MINIKUBE_EXTENSION = "minikube.sigs.k8s.io"


class KubeApiError(MeshtuiError):
    """The API server answered with an error status."""

    def __init__(self, status: int, reason: str, message: str, body: dict | None = None) -> None:
        message, reason = inert(message), inert(reason)  # the server's words: external text
        super().__init__(f"{message} (HTTP {status} {reason})".strip())
        self.status = status
        self.reason = reason
        self.api_message = message
        self.body = body or {}


def default_kubeconfig() -> str:
    """`$KUBECONFIG` (may be a `:`-separated list) or `~/.kube/config`."""
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


def _has_minikube_extension(entry: Mapping[str, Any]) -> bool:
    for ext in entry.get("extensions") or []:
        data = ext.get("extension") or {}
        if isinstance(data, Mapping) and data.get("provider") == MINIKUBE_EXTENSION:
            return True
    return False


def _ca_sha256(cluster: Mapping[str, Any], base: Path) -> str:
    """Fingerprint of the CA the client will verify the server with ("" when it verifies none)."""
    if cluster.get("insecure-skip-tls-verify") or not str(cluster.get("server", "")).startswith("https"):
        return ""
    data: bytes | None = None
    if "certificate-authority-data" in cluster:  # the client prefers the data, even when empty
        try:
            data = base64.b64decode(str(cluster.get("certificate-authority-data") or ""), validate=False)
        except ValueError:
            return ""
    elif isinstance(cluster.get("certificate-authority"), str):
        file = Path(os.path.expanduser(cluster["certificate-authority"]))
        try:
            data = (file if file.is_absolute() else base / file).read_bytes()[:1_048_576]
        except OSError:
            return ""
    return ca_fingerprint(data) if data else ""


def _check_files(paths: list[str]) -> None:
    """Read every kubeconfig through the safe YAML reader first: limits, duplicate keys, file:line errors."""
    from meshtui.config import safe_yaml

    for path in paths:
        _node, data = safe_yaml.load_file(Path(os.path.expanduser(path)))
        if data is not None and not isinstance(data, dict):
            raise ProfileError("a kubeconfig must be a mapping (apiVersion, clusters, contexts, users)", path=path,
                               line=1)


def load_contexts(kubeconfig: str | None = None) -> tuple[list[ContextInfo], str | None]:
    """All contexts of the (merged) kubeconfig and the current context's name."""
    imports.ensure(*imports.KUBE)
    from kubernetes.config.kube_config import KubeConfigMerger

    paths = kubeconfig or default_kubeconfig()
    existing = [p for p in paths.split(os.pathsep) if p and Path(os.path.expanduser(p)).is_file()]
    if not existing:
        raise ClusterUnreachable(f"no kubeconfig at {paths}",
                                 hint="create a cluster with `meshtui up`, or try `meshtui demo`")
    _check_files(existing)
    try:
        merged = KubeConfigMerger(os.pathsep.join(existing)).config
        raw = merged.value if hasattr(merged, "value") else merged
    except Exception as exc:  # the merger raises bare exceptions on malformed YAML
        raise ClusterUnreachable(inert(f"cannot read kubeconfig {paths}: {exc}")) from None

    def unwrap(items: Any) -> list[tuple[dict, Path]]:
        found = []
        for item in items or []:
            value = getattr(item, "value", item)
            if isinstance(value, dict):
                origin = getattr(item, "path", None) or existing[0]
                found.append((value, Path(os.path.expanduser(str(origin))).parent))
        return found

    clusters = {entry.get("name"): (entry, base) for entry, base in unwrap(raw.get("clusters"))}
    contexts = []
    for entry, _base in unwrap(raw.get("contexts")):
        ctx = entry.get("context") or {}
        if not isinstance(ctx, dict):
            continue
        cluster_name = ctx.get("cluster", "")
        cluster_entry, base = clusters.get(cluster_name, ({}, Path(".")))
        cluster = cluster_entry.get("cluster") or {}
        if not isinstance(cluster, dict):
            cluster = {}
        proxy = cluster.get("proxy-url")
        contexts.append(ContextInfo(
            name=str(entry.get("name", "")), cluster=str(cluster_name),
            server=str(cluster.get("server", "") or ""),
            user=str(ctx.get("user", "")), namespace=ctx.get("namespace"),
            minikube=_has_minikube_extension(ctx) or _has_minikube_extension(cluster)
            or _has_minikube_extension(cluster_entry),
            proxy_url=None if proxy is None else str(proxy),
            ca_sha256=_ca_sha256(cluster, base)))
    return contexts, raw.get("current-context") or None


def resolve_context(kubeconfig: str | None, context: str | None) -> ContextInfo:
    """The context to use: `--context` or the kubeconfig's current one."""
    contexts, current = load_contexts(kubeconfig)
    wanted = context or current
    if not wanted:
        raise ClusterUnreachable("the kubeconfig has no current context", hint="pass --context NAME")
    for ctx in contexts:
        if ctx.name == wanted:
            return ctx
    names = ", ".join(c.name for c in contexts) or "none"
    raise ClusterUnreachable(inert(f"context {wanted!r} is not in the kubeconfig (contexts: {names})"))


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
