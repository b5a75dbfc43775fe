"""One connection to one cluster, and the services built on it (implements `SessionPort`).

`Wiring` builds every session (the CLI's lazily, the TUI's one per connect): the API
client and the guard are made there and handed in, with Wiring's builders for the
services on top (made on first use, so a CLI command pays only for what it touches). The TUI sees a session only through `meshtui.services.ports.SessionPort`, never the
client underneath; switching clusters means closing one session and opening another.

Handles a session gives out (feeds, log tails, observers, usage samplers) are tracked
weakly: a panel that stops one and lets go of it releases it at once, and `close()`
stops whatever is still alive.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient
    from meshtui.domain.cluster import ContextInfo
    from meshtui.domain.logs import LogLine
    from meshtui.services.cluster import ClusterService
    from meshtui.services.feed import ResourceFeed
    from meshtui.services.guard import Guard
    from meshtui.services.log_query import LogQuery
    from meshtui.services.logs import LogEngine
    from meshtui.services.observe import LiveObserver
    from meshtui.services.routes import RouteService
    from meshtui.services.usage import UsageService


def _feeds() -> dict[str, tuple[str, dict[str, str], Callable[[dict[str, Any]], Any]]]:
    """What each named feed lists and how a raw object becomes a row (imported on first use: a CLI command
    that never watches anything does not pay for the workloads, feed, logs and observer modules)."""
    from meshtui.domain.workloads import event_summary, node_summary, pod_summary

    return {
        "pods": ("/api/v1/pods", {}, pod_summary),
        "nodes": ("/api/v1/nodes", {}, node_summary),
        "events": ("/api/v1/events", {"field_selector": "type=Warning"}, event_summary),
        "namespaces": ("/api/v1/namespaces", {}, lambda obj: obj["metadata"]["name"]),
    }


class _Stoppable(Protocol):
    def stop(self) -> None: ...


class _Closable(Protocol):
    def close(self) -> None: ...


@dataclass(eq=False)
class Session:
    """Services for the connected cluster."""

    kube: KubeClient
    guard: Guard
    make_cluster: Callable[[KubeClient, Guard], ClusterService]
    make_routes: Callable[[KubeClient, Guard], RouteService]
    make_usage: Callable[[KubeClient, Guard], UsageService]
    kubeconfig: str | None = None
    _running: weakref.WeakSet[_Stoppable] = field(default_factory=weakref.WeakSet)
    _open: weakref.WeakSet[_Closable] = field(default_factory=weakref.WeakSet)

    @cached_property
    def cluster(self) -> ClusterService:
        return self.make_cluster(self.kube, self.guard)

    @cached_property
    def routes(self) -> RouteService:
        return self.make_routes(self.kube, self.guard)

    @property
    def context(self) -> ContextInfo:
        return self.kube.context

    @property
    def default_namespace(self) -> str:
        """The context's namespace (what kubectl uses without -n)."""
        return self.kube.context.namespace or "default"

    def feed(self, name: str, on_change: Callable[[], None]) -> ResourceFeed:
        """Start a live feed of pods, nodes, warning events or namespaces."""
        from meshtui.services.feed import ResourceFeed

        path, selectors, transform = _feeds()[name]
        feed = ResourceFeed(self.kube, path, name=name, transform=transform, on_change=on_change,
                            field_selector=selectors.get("field_selector"))
        self._running.add(feed)
        return feed.start()

    def logs(self, query: LogQuery, on_ready: Callable[[], None]) -> LogEngine:
        """Start tailing `query`; the TUI drops the oldest lines when it falls behind (and counts them)."""
        from meshtui.services.logs import LogEngine

        engine = LogEngine(self.kube, query, on_ready=on_ready, capacity=100_000, drop_when_full=True)
        self._running.add(engine)
        return engine.start()

    def usage(self) -> UsageService:
        """Usage for this cluster: host, its node containers (kind/minikube), pods."""
        service = self.make_usage(self.kube, self.guard)
        self._open.add(service)
        return service

    def observer(self, host: str, namespace: str | None) -> LiveObserver:
        """A live sliding window of the split traffic takes to `host`."""
        from meshtui.services.observe import LiveObserver

        observer = LiveObserver(self.kube, host, namespace or self.default_namespace)
        self._open.add(observer)
        return observer

    def pivot(self, request_id: str, namespace: str | None) -> list[LogLine]:
        """Every line of one request across gateway, sidecars and apps."""
        from meshtui.services.logs import collect_pivot

        return collect_pivot(self.kube, request_id, namespace)

    def install_metrics_server(self, on_line: Callable[[str], None], cancel: threading.Event) -> None:
        """Install metrics-server the provider's way and wait for it (guarded)."""
        from meshtui.services.provision.metrics import install_metrics_server

        install_metrics_server(self.kube, self.guard, on_line, cancel)

    def open_dashboard(self, ready: Callable[[str, str], None], cancel: threading.Event) -> str | None:
        """Port-forward to the first installed dashboard until `cancel`; None when none is installed.

        `ready(name, url)` is called once the forward listens.
        """
        from meshtui.services.dashboards import free_port, installed, open_dashboard

        name = next(iter(installed(self.kube)), None)
        if name is None:
            return None
        open_dashboard(self.kube, self.guard, name, free_port(), lambda url: ready(name, url), cancel=cancel,
                       kubeconfig=self.kubeconfig)
        return name

    def tracked(self) -> int:
        """How many handed-out handles are still alive (tests: released when unused)."""
        return len(self._running) + len(self._open)

    def close(self) -> None:
        for running in list(self._running):
            running.stop()
        for handle in list(self._open):
            handle.close()
        self._running.clear()
        self._open.clear()
        routes = self.__dict__.get("routes")  # built on first use; its watches (if any) end here
        close = getattr(routes, "close", None)
        if callable(close):
            close()
        self.kube.close()
