"""Which cluster are we talking to, and is it safe to write to it?

The safety guard's rules, as pure functions so the CLI, the TUI and the tests apply
the same ones. A context is LOCAL only when
1. the user pinned that exact context name + server URL in `config.yaml`
   (`local_contexts`), or
2. meshtui created it and the kubeconfig still names the same server and the same
   cluster CA (by SHA-256; a context without a CA cannot prove it is the same
   cluster), or
3. every place its requests go (the proxy, when one is used, and the API server)
   is a unix socket or resolves, with the system resolver, to loopback addresses only.
Everything else is REMOTE: a context name (kind-x, minikube, docker-desktop, ...) is
never evidence, and neither is a host name such as `*.localhost` until it resolves.
A local context named `meshtui-sim` is shown as SIMULATED.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from meshtui.domain.endpoints import BadUrl, Hop, ProxyChoice, address_kind, normalized_server, parse_hop
from meshtui.domain.text import inert

SIM_CONTEXT = "meshtui-sim"


class Badge(str, Enum):
    """How the header labels the cluster."""

    LOCAL = "LOCAL"
    SIMULATED = "SIMULATED"
    REMOTE = "REMOTE"


class Provider(str, Enum):
    """What kind of cluster a context points at (a label for display and usage; never a safety fact)."""

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
    proxy_url: str | None = None
    """The cluster's `proxy-url` (None when the key is absent; "" disables the environment's proxy)."""
    ca_sha256: str = ""
    """SHA-256 of the cluster CA the client verifies the server with ("" without TLS verification)."""


@dataclass(frozen=True)
class ClusterIdentity:
    """Which cluster a context reaches: normalised server URL + CA fingerprint, never the context name.

    Two contexts with the same `key` talk to the same cluster as far as a kubeconfig can tell: TLS
    proves the server holds a certificate of that CA. Without a CA (plain http, the simulated cluster,
    `insecure-skip-tls-verify`) only the address is known; callers that must tell apart two clusters
    that took turns on one address add something the cluster itself holds (the kube-system UID).
    """

    server: str
    ca_sha256: str = ""

    @property
    def key(self) -> str:
        return f"{self.server}#{self.ca_sha256 or 'no-ca'}"


def cluster_identity(ctx: ContextInfo) -> ClusterIdentity:
    """The identity of the cluster `ctx` points at (pure: kubeconfig facts only)."""
    return ClusterIdentity(normalized_server(ctx.server), ctx.ca_sha256)


@dataclass(frozen=True)
class Pin:
    """A context the user declared local in config.yaml (`local_contexts`): name and server must both match."""

    context: str
    server: str


@dataclass(frozen=True)
class CreatedCluster:
    """A context meshtui created, remembered with the identity of the cluster it reached then."""

    context: str
    identity: ClusterIdentity


@dataclass(frozen=True)
class Destinations:
    """Where connections for a context are opened: every proxy a client may use, then the API server."""

    hops: tuple[Hop, ...] = ()
    problem: str | None = None
    """Set when a URL cannot be judged; the context is then REMOTE with this as the reason."""


def destinations(server: str, proxies: Sequence[ProxyChoice]) -> Destinations:
    """The hops of a request to `server` through any of `proxies` (the Python client's and the Go tools' choice).

    A proxy is the only hop the client reaches itself, but the proxy connects on to the
    server, so the server and every proxy must be local for the context to be.
    """
    try:
        hops: list[Hop] = []
        for proxy in proxies:
            if proxy.url is not None and all(hop.url != proxy.url for hop in hops):
                hops.append(parse_hop(proxy.url, "proxy", proxy.source))
        hops.append(parse_hop(server, "API server"))
    except BadUrl as exc:
        return Destinations(problem=str(exc))
    return Destinations(tuple(hops))


@dataclass(frozen=True)
class Resolved:
    """What the system resolver said about one host."""

    host: str
    addresses: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Locality:
    """The guard's verdict on a context, with the reason shown to the user (header badge, refusals)."""

    badge: Badge
    provider: Provider
    reason: str
    created_by_meshtui: bool = False
    pinned: bool = False

    @property
    def is_local(self) -> bool:
        return self.badge is not Badge.REMOTE


def detect_provider(ctx: ContextInfo) -> Provider:
    """Best guess of the provider from the context's name and kubeconfig extensions (a label only)."""
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


def _judge_hop(hop: Hop, resolved: Mapping[str, Resolved]) -> str | None:
    """None when every address of `hop` is loopback; otherwise why not."""
    if hop.unix:
        return None
    found = resolved.get(hop.host)
    if found is None or found.error is not None:
        detail = found.error if found is not None else "not resolved"
        return f"the {hop.role} {hop.where} does not resolve ({detail})"
    if not found.addresses:
        return f"the {hop.role} {hop.where} resolves to no address"
    kinds = {address: address_kind(address) for address in found.addresses}
    if "unspecified" in kinds.values():
        return f"the {hop.role} {hop.where} is the unspecified address {found.addresses[0]}, not loopback"
    others = [address for address, kind in kinds.items() if kind != "loopback"]
    if others and found.addresses == (hop.host,):
        return f"the {hop.role} {hop.where} is not a loopback address"
    if others:
        loop = [address for address, kind in kinds.items() if kind == "loopback"]
        mixed = f" (as well as {', '.join(loop)})" if loop else ""
        return f"the {hop.role} {hop.where} resolves to {', '.join(others[:3])}{mixed}, not only loopback"
    return None


def _local_reason(dest: Destinations, resolved: Mapping[str, Resolved]) -> str:
    parts = []
    for hop in dest.hops:
        if hop.unix:
            parts.append(f"the {hop.role} is the unix socket {hop.url}")
            continue
        addresses = resolved[hop.host].addresses
        literal = hop.host in addresses and len(set(addresses)) == 1
        parts.append(f"the {hop.role} {hop.where} is loopback" if literal else
                     f"the {hop.role} {hop.where} resolves to {', '.join(sorted(set(addresses)))} only")
    return " and ".join(parts)


def classify(ctx: ContextInfo, dest: Destinations, resolved: Mapping[str, Resolved], *,
             created: Iterable[CreatedCluster] = (), pins: Iterable[Pin] = ()) -> Locality:
    """Apply the guard's rules to one context whose destinations have been resolved (reason made inert)."""
    verdict = _classify(ctx, dest, resolved, tuple(created), tuple(pins))
    return Locality(verdict.badge, verdict.provider, inert(verdict.reason), verdict.created_by_meshtui, verdict.pinned)


def _classify(ctx: ContextInfo, dest: Destinations, resolved: Mapping[str, Resolved],
              created: tuple[CreatedCluster, ...], pins: tuple[Pin, ...]) -> Locality:
    provider = detect_provider(ctx)
    identity = cluster_identity(ctx)
    made = any(c.context == ctx.name and c.identity.ca_sha256 and c.identity == identity for c in created)

    def local(reason: str, **flags: bool) -> Locality:
        badge = Badge.SIMULATED if provider is Provider.SIMULATED else Badge.LOCAL
        return Locality(badge, provider, reason, created_by_meshtui=made, **flags)

    if not ctx.server.strip():
        return Locality(Badge.REMOTE, provider, f"context {ctx.name!r} names no API server")
    if dest.problem is not None:
        return Locality(Badge.REMOTE, provider, dest.problem)
    # A pin or a creation record vouches for the API server only: a proxy on the way still has to be local
    # (a remote proxy would reach "127.0.0.1:6443" on its own machine, and sees every request it carries).
    for hop in dest.hops:
        why = _judge_hop(hop, resolved) if hop.role == "proxy" else None
        if why is not None:
            return Locality(Badge.REMOTE, provider, why + (f" ({hop.source})" if hop.source else ""))
    if any(p.context == ctx.name and p.server == ctx.server for p in pins):
        return local(f"pinned as local in config.yaml (local_contexts: {ctx.name} at {ctx.server})", pinned=True)
    if made:
        return local("created by meshtui (same server and cluster CA as when it was created)")
    for hop in dest.hops:
        why = _judge_hop(hop, resolved)
        if why is not None:
            via = f" ({hop.source})" if hop.role == "proxy" and hop.source else ""
            return Locality(Badge.REMOTE, provider, why + via)
    return local(_local_reason(dest, resolved))
