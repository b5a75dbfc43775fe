"""Resource usage at three levels: the host, the Docker containers that are the nodes, the pods.

`sample()` never blocks on Docker (stats stream in background readers) and reads the
cluster through metrics.k8s.io; requests and limits come from a pods feed. When
metrics-server is missing it says so and still shows requests and limits; when the
Docker daemon is gone it says so and keeps going. History for sparklines is kept here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from meshtui.adapters import host as host_adapter
from meshtui.adapters import imports
from meshtui.adapters.docker_engine import DockerEngine, DockerUnavailable
from meshtui.adapters.docker_stats import StatsCollector
from meshtui.adapters.kube import KubeApiError, KubeClient
from meshtui.domain.cluster import Provider
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.logs import is_sidecar
from meshtui.domain.usage import (
    ContainerMetric,
    ContainerUsage,
    HostUsage,
    NodeMetric,
    RollingSeries,
    UsageSnapshot,
    cpu_percent,
    memory_used,
)
from meshtui.services.feed import ResourceFeed

METRICS_MISSING = ("metrics-server is not installed: showing requests and limits only "
                   "(Setup panel: install metrics-server; kind: meshtui up installs it)")


def quantity(value: Any) -> float | None:
    """Kubernetes quantity -> float (cores or bytes), via the official parser."""
    if value in (None, ""):
        return None
    imports.ensure("kubernetes.utils")
    from kubernetes.utils import parse_quantity

    try:
        return float(parse_quantity(value))
    except (ValueError, TypeError, ArithmeticError):
        return None


@dataclass(frozen=True)
class PodSpecInfo:
    """What usage needs from a pod spec: node and per-container requests/limits."""

    namespace: str
    name: str
    node: str
    containers: dict[str, tuple[float | None, float | None, float | None, float | None]]
    sidecars: frozenset[str]


def pod_spec_info(pod: dict) -> PodSpecInfo:
    from meshtui.services.logs import declared_sidecars

    meta, spec = pod.get("metadata", {}), pod.get("spec", {})
    containers = {}
    for c in spec.get("containers", []):
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        containers[c["name"]] = (quantity(req.get("cpu")), quantity(lim.get("cpu")), quantity(req.get("memory")),
                                 quantity(lim.get("memory")))
    return PodSpecInfo(meta.get("namespace", ""), meta.get("name", ""), spec.get("nodeName") or "", containers,
                       frozenset(declared_sidecars(pod)))


def cluster_containers(context: str, provider: Provider) -> tuple[str | None, str]:
    """The Docker cluster name and provider behind a kube context (None: no node containers)."""
    if provider is Provider.KIND:
        return context.removeprefix("kind-"), "kind"
    if provider is Provider.MINIKUBE:
        return context, "minikube"
    return None, ""


class UsageService:
    """Samples usage; keeps 10 minutes of history per series."""

    def __init__(self, kube: KubeClient | None, docker: DockerEngine | None, *, cluster: str | None,
                 provider: str, disk_path: str | None = None) -> None:
        self.kube = kube
        self.docker = docker
        self.collector = StatsCollector(docker, cluster, provider) if docker and cluster else None
        self.cluster = cluster
        self.disk_path = disk_path
        self.history: dict[str, RollingSeries] = {}
        self._net: tuple[float, int, int] | None = None
        self._pods: ResourceFeed | None = None
        self._closed = False
        self.metrics_available = True
        host_adapter.prime_cpu()

    def series(self, key: str) -> RollingSeries:
        found = self.history.get(key)
        if found is None:
            found = self.history[key] = RollingSeries()
        return found

    def _disk(self) -> str:
        if self.disk_path is None:
            self.disk_path = "/var/lib/docker"
            if self.docker is not None and not self._closed:  # closed: the client is not made again
                try:
                    self.disk_path = self.docker.info().root_dir or self.disk_path
                except DockerUnavailable:
                    pass
        return self.disk_path

    def host(self, now: float) -> HostUsage:
        snap = host_adapter.snapshot(self._disk())
        rx = tx = 0.0
        if self._net is not None and now > self._net[0]:
            rx = (snap.net_recv - self._net[2]) / (now - self._net[0])
            tx = (snap.net_sent - self._net[1]) / (now - self._net[0])
        self._net = (now, snap.net_sent, snap.net_recv)
        usage = HostUsage(snap.cpu_percent, snap.per_core, snap.load, snap.mem_used, snap.mem_total, snap.swap_used,
                          snap.swap_total, snap.disk_path, snap.disk_used, snap.disk_total, max(rx, 0), max(tx, 0))
        self.series("host/cpu").add(usage.cpu_percent, now)
        self.series("host/mem").add(usage.mem_used / max(usage.mem_total, 1) * 100, now)
        self.series("host/rx").add(usage.net_rx_rate, now)
        self.series("host/tx").add(usage.net_tx_rate, now)
        return usage

    def containers(self, now: float, notices: list[str]) -> list[ContainerUsage]:
        if self.collector is None:
            if self.cluster is None:
                notices.append("this cluster's nodes are not Docker containers on this machine")
            return []
        self.collector.refresh()
        if self.collector.error:
            notices.append(self.collector.error)
            return []
        out = []
        for latest in self.collector.snapshot():
            sample = latest.sample or {}
            cpu = cpu_percent(sample) if sample else None
            used, limit = memory_used(sample) if sample else (None, None)
            if cpu is not None:
                self.series(f"docker/{latest.container.name}").add(cpu, now)
            out.append(ContainerUsage(latest.container.name, latest.container.role, latest.container.status, cpu,
                                      used, limit, now - latest.received if latest.received else None))
        return sorted(out, key=lambda c: c.name)

    def _pod_specs(self) -> dict[str, PodSpecInfo]:
        if self.kube is None:
            return {}
        if self._closed:
            return {}  # a sample still running when the panel closed the service must not start a watch
        if self._pods is None:
            feed = self._pods = ResourceFeed(self.kube, "/api/v1/pods", name="usage-pods", transform=pod_spec_info)
            feed.start()
            if self._closed:  # published first, checked after: a close() meanwhile sees it or is seen here
                feed.stop()
                return {}
            feed.wait_synced(10)
        return self._pods.snapshot()

    def cluster_metrics(self, now: float, notices: list[str]) -> tuple[list[NodeMetric], list[ContainerMetric]]:
        if self.kube is None:
            return [], []
        specs = self._pod_specs()
        try:
            node_items = self.kube.get("/apis/metrics.k8s.io/v1beta1/nodes").get("items", [])
            pod_items = self.kube.get("/apis/metrics.k8s.io/v1beta1/pods").get("items", [])
            self.metrics_available = True
        except KubeApiError as exc:
            if exc.status not in (404, 503):
                raise
            self.metrics_available = False
            notices.append(METRICS_MISSING)
            node_items, pod_items = [], []
        capacity = {}
        for node in self.kube.get("/api/v1/nodes").get("items", []):
            alloc = node.get("status", {}).get("allocatable") or node.get("status", {}).get("capacity") or {}
            capacity[node["metadata"]["name"]] = (quantity(alloc.get("cpu")), quantity(alloc.get("memory")))
        nodes = []
        for item in node_items:
            name = item["metadata"]["name"]
            usage = item.get("usage") or {}
            cap = capacity.get(name, (None, None))
            metric = NodeMetric(name, quantity(usage.get("cpu")), quantity(usage.get("memory")), cap[0], cap[1])
            if metric.cpu is not None:
                self.series(f"node/{name}").add(metric.cpu, now)
            nodes.append(metric)
        if not node_items:
            nodes = [NodeMetric(name, None, None, cap[0], cap[1]) for name, cap in sorted(capacity.items())]
        with imports.collector_paused():  # one metric and one history per container: they survive the loop
            return sorted(nodes, key=lambda n: n.name), self._pod_metrics(specs, pod_items, now)

    def _pod_metrics(self, specs: dict[str, PodSpecInfo], pod_items: list[dict], now: float) -> list[ContainerMetric]:
        usage_by = {(i["metadata"].get("namespace", ""), i["metadata"]["name"]): {
            c["name"]: c.get("usage") or {} for c in i.get("containers", [])} for i in pod_items}
        pods: list[ContainerMetric] = []
        for spec in specs.values():
            measured = usage_by.get((spec.namespace, spec.name))
            if self.metrics_available and measured is None:
                continue  # metrics-server leaves out pods that are not running
            for container, (cpu_req, cpu_lim, mem_req, mem_lim) in spec.containers.items():
                values = (measured or {}).get(container, {})
                pod = ContainerMetric(spec.namespace, spec.name, container, spec.node, quantity(values.get("cpu")),
                                      quantity(values.get("memory")), cpu_req, cpu_lim, mem_req, mem_lim,
                                      is_sidecar(container, spec.sidecars, len(spec.containers)))
                if pod.cpu is not None:
                    self.series(f"pod/{pod.key}").add(pod.cpu, now)
                pods.append(pod)
        return pods

    def first_complete(self, timeout: float = 3.0) -> UsageSnapshot:
        """Sample until every node container has a CPU % (two stats readings), or timeout."""
        started = time.monotonic()
        deadline = started + timeout
        if self.collector is not None:
            self.collector.refresh()  # start the stats readers now: a CPU % needs two readings
        while time.monotonic() < deadline:
            time.sleep(0.1)
            pending = self.collector is not None and any(
                e.sample is None or not (e.sample.get("precpu_stats") or {}).get("system_cpu_usage")
                for e in self.collector.snapshot() if not e.ended)
            if not pending and time.monotonic() - started >= 0.5:  # host CPU % needs an interval too
                break
        return self.sample()

    def sample(self) -> UsageSnapshot:
        now = time.monotonic()
        snapshot = UsageSnapshot(at=time.time())
        snapshot.host = self.host(now)
        snapshot.containers = self.containers(now, snapshot.notices)
        try:
            snapshot.nodes, snapshot.pods = self.cluster_metrics(now, snapshot.notices)
        except MeshtuiError as exc:
            snapshot.notices.append(f"cluster metrics: {exc.message}")
        snapshot.metrics_available = self.metrics_available
        live = {f"pod/{p.key}" for p in snapshot.pods} | {f"docker/{c.name}" for c in snapshot.containers} | \
            {f"node/{n.name}" for n in snapshot.nodes}
        for key in [k for k in self.history if k.split("/", 1)[0] in ("pod", "docker", "node") and k not in live]:
            del self.history[key]
        return snapshot

    def close(self) -> None:
        self._closed = True
        if self._pods is not None:
            self._pods.stop()
        if self.collector is not None:
            self.collector.close()
        if self.docker is not None:
            self.docker.close()

