"""Which cluster are we talking to, and is it safe to write to it?

The safety guard's rules live here as pure functions so the CLI, the TUI and the
tests apply exactly the same ones: a context is LOCAL when meshtui created it, when
its name is one the local-cluster tools generate (kind-*, k3d-*, minikube profiles,
docker-desktop, rancher-desktop), or when its API server is on loopback; the
simulated cluster is SIMULATED; everything else is REMOTE and read-only by default.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlparse

SIM_CONTEXT = "meshtui-sim"
_LOCAL_NAMES = {"minikube", "docker-desktop", "docker-for-desktop", "rancher-desktop", "orbstack", "colima"}
_LOCAL_PREFIXES = ("kind-", "k3d-")


class Badge(str, Enum):
    """How the header labels the cluster."""

    LOCAL = "LOCAL"
    SIMULATED = "SIMULATED"
    REMOTE = "REMOTE"


class Provider(str, Enum):
    """What kind of cluster a context points at."""

    KIND = "kind"
    MINIKUBE = "minikube"
    SIMULATED = "simulated"
    K3D = "k3d"
    DOCKER_DESKTOP = "docker-desktop"
    OTHER = "other"


@dataclass(frozen=True)
class ContextInfo:
    """One kubeconfig context, flattened."""

    name: str
    cluster: str = ""
    server: str = ""
    user: str = ""
    namespace: str | None = None
    minikube: bool = False
    """The kubeconfig carries minikube's provider extension for this context."""


@dataclass(frozen=True)
class Locality:
    """The guard's verdict on a context, with the reason shown to the user."""

    badge: Badge
    provider: Provider
    reason: str
    created_by_meshtui: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.badge is not Badge.REMOTE


def server_is_loopback(server: str) -> bool:
    """True when the API server URL's host is 127.0.0.0/8, ::1 or localhost."""
    host = urlparse(server).hostname if "://" in server else server.split(":")[0]
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def detect_provider(ctx: ContextInfo) -> Provider:
    """Best guess of the provider from the context's name and kubeconfig extensions."""
    if ctx.name == SIM_CONTEXT:
        return Provider.SIMULATED
    if ctx.name.startswith("kind-"):
        return Provider.KIND
    if ctx.name.startswith("k3d-"):
        return Provider.K3D
    if ctx.minikube or ctx.name == "minikube":
        return Provider.MINIKUBE
    if ctx.name in {"docker-desktop", "docker-for-desktop"}:
        return Provider.DOCKER_DESKTOP
    return Provider.OTHER


def classify(ctx: ContextInfo, created_by_meshtui: set[str] | frozenset[str] = frozenset()) -> Locality:
    """Apply the guard's rules to one context."""
    provider = detect_provider(ctx)
    created = ctx.name in created_by_meshtui
    if provider is Provider.SIMULATED:
        return Locality(Badge.SIMULATED, provider, "meshtui's simulated cluster", created)
    if created:
        return Locality(Badge.LOCAL, provider, "created by meshtui", True)
    if ctx.name.startswith(_LOCAL_PREFIXES) or ctx.name in _LOCAL_NAMES:
        return Locality(Badge.LOCAL, provider, f"context name {ctx.name!r} belongs to a local cluster tool")
    if ctx.minikube:
        return Locality(Badge.LOCAL, provider, "minikube profile")
    if server_is_loopback(ctx.server):
        return Locality(Badge.LOCAL, provider, f"API server {ctx.server} is on loopback")
    return Locality(Badge.REMOTE, provider,
                    f"context {ctx.name!r} points at {ctx.server or 'an unknown server'}, which is not local")
