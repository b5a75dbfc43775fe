"""The safety guard: no write reaches a cluster that is not local unless the user says so.

Shared by the CLI (exit code 3) and the TUI (a notice, and write actions hidden under
--read-only). The rules are `domain.cluster.classify`; this module gathers what they
judge, without sending a single request to the cluster:
- where the client's connections go, read from the client's own configuration
  (`Guard.for_client`: server URL, the proxy it chose from `proxy-url` or the
  environment, `no_proxy`), or from the kubeconfig and `urllib.request.getproxies()`
  the same way the client does (`Guard.for_context`);
- what the system resolver (`socket.getaddrinfo`, bounded by a timeout) answers for
  each host, as the client's own connection would ask it;
- the clusters meshtui created (state file) and the user's `local_contexts` pins.
A command decides before its first request by calling `guard.check(action)`.
"""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meshtui.domain.cluster import (
    ContextInfo,
    CreatedCluster,
    Locality,
    Pin,
    Resolved,
    classify,
    destinations,
)
from meshtui.domain.endpoints import ProxyChoice, effective_proxy, no_proxy_matches
from meshtui.domain.errors import GuardRefused

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient

RESOLVE_TIMEOUT = 3.0
Resolver = Callable[[str, "int | None"], Resolved]


def resolve(host: str, port: int | None, timeout: float = RESOLVE_TIMEOUT) -> Resolved:
    """Every address the system resolver gives for `host` (what the client's connect would try)."""
    answer: dict[str, object] = {}

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            answer["addresses"] = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        except (OSError, UnicodeError) as exc:
            answer["error"] = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

    worker = threading.Thread(target=lookup, name="meshtui-resolve", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return Resolved(host, error=f"no answer within {timeout:g}s")
    if "error" in answer:
        return Resolved(host, error=str(answer["error"]))
    addresses = answer.get("addresses")
    return Resolved(host, addresses if isinstance(addresses, tuple) else ())


def _records() -> tuple[tuple[CreatedCluster, ...], tuple[Pin, ...], tuple[str, ...]]:
    from meshtui.config.settings import load_settings
    from meshtui.services import state

    created, notice = state.created_clusters()
    return created, load_settings().local_contexts, (notice,) if notice else ()


@dataclass(frozen=True)
class Guard:
    """Whether writes are allowed against one context, and why."""

    context: ContextInfo
    locality: Locality
    allow_remote: bool = False
    read_only: bool = False
    notices: tuple[str, ...] = ()
    """Things the user should know about the guard's inputs (a record file that was moved aside)."""

    @classmethod
    def for_client(cls, kube: KubeClient, *, allow_remote: bool = False, read_only: bool = False,
                   resolver: Resolver = resolve) -> Guard:
        """THE factory: the guard for a connected client (no request is sent; the kubeconfig and the resolver only)."""
        server, proxy, no_proxy = kube.transport()
        if proxy and not no_proxy_matches(server, no_proxy or ""):
            modelled = effective_proxy(server, kube.context.proxy_url, urllib.request.getproxies())
            choice = ProxyChoice(proxy, modelled.source if modelled.url == proxy else "the client's proxy setting")
        else:
            choice = ProxyChoice(None, "")
        created, pins, notices = _records()
        return cls._decide(kube.context, server, choice, resolver, created, pins, notices, allow_remote, read_only)

    @classmethod
    def for_context(cls, context: ContextInfo, *, allow_remote: bool = False, read_only: bool = False,
                    proxies: Mapping[str, str] | None = None, resolver: Resolver = resolve,
                    created: Iterable[CreatedCluster] | None = None, pins: Iterable[Pin] | None = None) -> Guard:
        """The guard for a kubeconfig context without a client (the proxy chosen as the client would choose it)."""
        notices: tuple[str, ...] = ()
        if created is None or pins is None:
            known_created, known_pins, notices = _records()
            created = known_created if created is None else created
            pins = known_pins if pins is None else pins
        env = urllib.request.getproxies() if proxies is None else proxies
        choice = effective_proxy(context.server.rstrip("/"), context.proxy_url, env)
        return cls._decide(context, context.server.rstrip("/"), choice, resolver, tuple(created), tuple(pins),
                           notices, allow_remote, read_only)

    @classmethod
    def _decide(cls, context: ContextInfo, server: str, choice: ProxyChoice, resolver: Resolver,
                created: tuple[CreatedCluster, ...], pins: tuple[Pin, ...], notices: tuple[str, ...],
                allow_remote: bool, read_only: bool) -> Guard:
        dest = destinations(server or context.server, choice)
        resolved = {hop.host: resolver(hop.host, hop.port) for hop in dest.hops if not hop.unix}
        locality = classify(context, dest, resolved, created=created, pins=pins)
        return cls(context, locality, allow_remote, read_only, notices)

    @property
    def writes_allowed(self) -> bool:
        return not self.read_only and (self.locality.is_local or self.allow_remote)

    @property
    def writes_visible(self) -> bool:
        """Write actions are shown (maybe refused on use) unless --read-only hides them."""
        return not self.read_only

    def refusal(self, action: str) -> str | None:
        """Why `action` would be refused, or None when it is allowed."""
        if self.read_only:
            return f"{action} refused: meshtui is running with --read-only"
        if not self.locality.is_local and not self.allow_remote:
            notes = "".join(f" (note: {notice})" for notice in self.notices)
            return (f"{action} refused: context {self.context.name!r} is REMOTE: {self.locality.reason}. "
                    f"meshtui only writes to local clusters unless started with --allow-remote{notes}")
        return None

    def check(self, action: str) -> None:
        """Raise `GuardRefused` (exit 3) when `action` may not write; call it before the first request."""
        reason = self.refusal(action)
        if reason is not None:
            hint = None if self.read_only else (
                f"re-run with --allow-remote if you really mean to change {self.context.name!r}, or pin it in "
                "config.yaml under local_contexts (README: Safety guard)")
            raise GuardRefused(reason, hint=hint)
