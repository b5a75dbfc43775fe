"""One connection to one cluster, and the services built on it, for the TUI.

The TUI holds a `Session` and never sees the adapters underneath; switching clusters
(for example to the demo) means closing one session and opening another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meshtui.adapters.kube import KubeClient
from meshtui.domain.logs import LogLine
from meshtui.domain.workloads import event_summary, node_summary, pod_summary
from meshtui.services.cluster import ClusterService
from meshtui.services.feed import ResourceFeed
from meshtui.services.guard import Guard
from meshtui.services.log_query import LogQuery
from meshtui.services.logs import LogEngine, collect_pivot
from meshtui.services.observe import LiveObserver
from meshtui.services.routes import RouteService
from meshtui.services.usage import UsageService, cluster_containers

FEEDS: dict[str, tuple[str, dict[str, str], Callable[[dict], Any]]] = {
    "pods": ("/api/v1/pods", {}, pod_summary),
    "nodes": ("/api/v1/nodes", {}, node_summary),
    "events": ("/api/v1/events", {"field_selector": "type=Warning"}, event_summary),
    "namespaces": ("/api/v1/namespaces", {}, lambda obj: obj["metadata"]["name"]),
}


@dataclass
class Session:
    """Services for the connected cluster."""

    kube: KubeClient
    guard: Guard
    cluster: ClusterService
    extras: dict[str, Any] = field(default_factory=dict)
    _feeds: list[ResourceFeed] = field(default_factory=list)
    _engines: list[LogEngine] = field(default_factory=list)

    @classmethod
    def create(cls, kube: KubeClient, guard: Guard) -> Session:
        return cls(kube, guard, ClusterService(kube, guard))

    @property
    def default_namespace(self) -> str:
        """The context's namespace (what kubectl uses without -n)."""
        return self.kube.context.namespace or "default"

    def feed(self, name: str, on_change: Callable[[], None]) -> ResourceFeed:
        """Start a live feed of pods, nodes, warning events or namespaces."""
        path, selectors, transform = FEEDS[name]
        feed = ResourceFeed(self.kube, path, name=name, transform=transform, on_change=on_change, **selectors)
        self._feeds.append(feed)
        return feed.start()

    def logs(self, query: LogQuery, on_ready: Callable[[], None]) -> LogEngine:
        """Start tailing `query`; the TUI drops the oldest lines when it falls behind (and counts them)."""
        engine = LogEngine(self.kube, query, on_ready=on_ready, capacity=100_000, drop_when_full=True)
        self._engines.append(engine)
        return engine.start()

    def usage(self) -> UsageService:
        """Usage for this cluster: host, its node containers (kind/minikube), pods."""
        from meshtui.adapters.docker_engine import DockerEngine

        cluster, provider = cluster_containers(self.kube.context.name, self.guard.locality.provider)
        service = UsageService(self.kube, DockerEngine(timeout=5), cluster=cluster, provider=provider)
        self.extras[f"usage-{id(service)}"] = service
        return service

    @property
    def routes(self) -> RouteService:
        service = self.extras.get("routes")
        if service is None:
            service = self.extras["routes"] = RouteService(self.kube, self.guard)
        return service

    def observer(self, host: str, namespace: str | None) -> LiveObserver:
        """A live sliding window of the split traffic takes to `host`."""
        observer = LiveObserver(self.kube, host, namespace or self.default_namespace)
        self.extras[f"observer-{id(observer)}"] = observer
        return observer

    def pivot(self, request_id: str, namespace: str | None) -> list[LogLine]:
        """Every line of one request across gateway, sidecars and apps."""
        return collect_pivot(self.kube, request_id, namespace)

    def close(self) -> None:
        for engine in self._engines:
            engine.stop()
        self._engines.clear()
        for feed in self._feeds:
            feed.stop()
        self._feeds.clear()
        for service in self.extras.values():
            close = getattr(service, "close", None)
            if callable(close):
                close()
        self.kube.close()
