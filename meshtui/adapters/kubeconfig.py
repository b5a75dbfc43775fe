"""Reading kubeconfig files: contexts, servers, proxies and cluster CAs, exactly as the official client merges them.

Every file goes through the safe YAML reader first (size, nesting, aliases, duplicate
keys: a duplicated `server:` would let the guard and the client read different
servers), then the client's own `KubeConfigMerger` merges them, so meshtui sees the
contexts the client will use. Each context is flattened into a `ContextInfo` with what
the safety guard needs: the server, the cluster's `proxy-url` and the fingerprint of
the CA the client will verify the server with.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meshtui.adapters import imports
from meshtui.domain.cluster import ContextInfo
from meshtui.domain.endpoints import ca_fingerprint
from meshtui.domain.errors import ClusterUnreachable, ProfileError
from meshtui.domain.text import inert

MINIKUBE_EXTENSION = "minikube.sigs.k8s.io"


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
