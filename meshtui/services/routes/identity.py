"""Which cluster this is, for filing undo entries: the `kube-system` namespace's UID.

Why the UID and not the context name or server + CA: the UID is minted by the API server
when the cluster is created, so it names the cluster itself rather than the way to it.
Two clusters that share a context name (every simulated cluster is `meshtui-sim`, kind
reuses `kind-kind`) or even a server address (a cluster deleted and re-created on the
same port, or a plain-http server with no CA at all) get different histories, while one
cluster reached through two kubeconfigs or addresses keeps one. It costs one GET, made
once per process and only by commands that touch the undo history.

When the UID cannot be read (RBAC forbids namespaces, an API server without
kube-system), the fallback is the server URL plus the SHA-256 of its CA bundle: weaker
(a re-created cluster on the same address with the same CA would share it), which is why
undo also checks each object's uid and the spec meshtui wrote before restoring anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for


@dataclass(frozen=True)
class ClusterIdentity:
    key: str
    """The history key: `uid:<kube-system uid>` or `server:<sha256 of server + CA>`."""
    label: str
    """For humans reading the file: context name and server."""


def _ca_digest(kube: KubeClient) -> str:
    configuration = getattr(kube.api_client, "configuration", None)
    ca_file = getattr(configuration, "ssl_ca_cert", None)
    if not ca_file:
        return "no-ca"
    try:
        with open(ca_file, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return "unreadable-ca"


def cluster_identity(kube: KubeClient) -> ClusterIdentity:
    label = f"{kube.context.name} {kube.server}"
    try:
        namespace = kube.get(path_for("", "v1", "namespaces", name="kube-system"))
        uid = (namespace.get("metadata") or {}).get("uid")
    except KubeApiError as exc:
        if exc.status not in (401, 403, 404):
            raise
        uid = None
    if uid:
        return ClusterIdentity(f"uid:{uid}", label)
    digest = hashlib.sha256(f"{kube.server}\n{_ca_digest(kube)}".encode()).hexdigest()
    return ClusterIdentity(f"server:{digest}", label)
