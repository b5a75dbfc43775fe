"""A fixed, in-memory cluster for SVG snapshots: same data, same clock, same picture every run.

Implements the small surface the TUI uses from `Wiring` and `Session` (k9s's inventory
fake idea): feeds that deliver a fixed inventory once, cluster info, doctor checks,
and a log engine with fixed lines.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from meshtui.domain.checks import Check, Status
from meshtui.domain.cluster import ContextInfo
from meshtui.domain.logs import LogLine
from meshtui.domain.secrets import Masker
from meshtui.domain.timefmt import parse_ns
from meshtui.domain.workloads import event_summary, node_summary, pod_summary
from meshtui.services.cluster import ClusterInfo, ProbeResult
from meshtui.services.feed import FeedChanges, FeedState
from meshtui.services.guard import Guard
from tests.fakes.routes import FakeObserver, FakeRoutes

NOW = 1795514700.0  # 2026-11-24T10:05:00Z: the fake clock of every snapshot
CREATED = "2026-11-24T10:00:00Z"
SHOP = [("storefront", "v1"), ("catalog", "v1"), ("catalog", "v2"), ("catalog", "v3"), ("ratings", "v1"),
        ("ratings", "v2"), ("orders", "v1"), ("mysql", "v8")]


class _FrozenTime:
    """Stands in for the `time` module where ages are computed: `time()` is fixed."""

    @staticmethod
    def time() -> float:
        return NOW

    def __getattr__(self, name: str) -> Any:
        import time

        return getattr(time, name)


FrozenTime = _FrozenTime()


def _pod(namespace: str, app: str, version: str, index: int, node: str, restarts: int = 0,
         sidecar: bool = True, ready: bool = True) -> dict:
    containers = [{"name": app}] + ([{"name": "istio-proxy"}] if sidecar else [])
    statuses = [{"name": c["name"], "ready": ready, "restartCount": restarts if i == 0 else 0,
                 "state": {"running": {"startedAt": CREATED}},
                 **({"lastState": {"terminated": {"finishedAt": "2026-11-24T10:03:00Z"}}} if restarts and i == 0
                    else {})}
                for i, c in enumerate(containers)]
    return {"metadata": {"name": f"{app}-{version}-7f9c6d{index}b5-x{index}q2z", "namespace": namespace,
                         "creationTimestamp": CREATED, "labels": {"app": app, "version": version}},
            "spec": {"nodeName": node, "containers": containers},
            "status": {"phase": "Running", "podIP": f"10.244.1.{10 + index}", "containerStatuses": statuses}}


def inventory() -> dict[str, list[dict]]:
    nodes = ["meshtui-sim-control-plane", "meshtui-sim-worker", "meshtui-sim-worker2"]
    pods = [_pod("shop", app, version, i, nodes[1 + i % 2], restarts=2 if (app, version) == ("ratings", "v2") else 0,
                 ready=(app, version) != ("ratings", "v2")) for i, (app, version) in enumerate(SHOP)]
    pods += [_pod("istio-system", name, "", 20 + i, nodes[1 + i % 2], sidecar=False)
             for i, name in enumerate(["istiod", "istio-ingressgateway", "istio-egressgateway"])]
    node_objs = [{"metadata": {"name": n, "creationTimestamp": CREATED,
                               "labels": {"node-role.kubernetes.io/control-plane": ""} if i == 0 else {}},
                  "status": {"conditions": [{"type": "Ready", "status": "True"}], "capacity": {"cpu": "4"},
                             "nodeInfo": {"kubeletVersion": "v1.32.2"}}} for i, n in enumerate(nodes)]
    events = [{"metadata": {"name": "ratings-v2.1", "namespace": "shop", "creationTimestamp": "2026-11-24T10:03:00Z"},
               "type": "Warning", "reason": "BackOff", "lastTimestamp": "2026-11-24T10:03:00Z",
               "involvedObject": {"kind": "Pod", "name": pods[5]["metadata"]["name"]},
               "message": "Back-off restarting failed container ratings"}]
    namespaces = [{"metadata": {"name": n}} for n in ("default", "istio-system", "kube-system", "shop")]
    return {"pods": pods, "nodes": node_objs, "events": events, "namespaces": namespaces}


TRANSFORMS: dict[str, Callable[[dict], Any]] = {"pods": pod_summary, "nodes": node_summary, "events": event_summary,
                                                 "namespaces": lambda o: o["metadata"]["name"]}


class FakeFeed:
    def __init__(self, name: str, on_change: Callable[[], None]) -> None:
        items = inventory()[name]
        transform = TRANSFORMS[name]
        self.name = name
        self.items = {(f"{o['metadata'].get('namespace')}/" if o["metadata"].get("namespace") else "")
                      + o["metadata"]["name"]: transform(o) for o in items}
        self.state, self.error, self.reconnects, self.relists = FeedState.LIVE, None, 0, 1
        self._sent = False
        on_change()

    def drain(self) -> FeedChanges:
        if self._sent:
            return FeedChanges(state=self.state)
        self._sent = True
        return FeedChanges(resynced=True, upserts=dict(self.items), state=self.state)

    def snapshot(self) -> dict[str, Any]:
        return dict(self.items)

    def stop(self) -> None:
        pass


def log_lines() -> list[LogLine]:
    base = parse_ns("2026-11-24T10:04:58Z")
    rows = [("storefront-v1-7f9c6d0b5-x0q2z", "storefront", "v1",
             "2026/11/24 10:04:58 info storefront GET / 200 23ms request_id=6f1c9d2e-1b2a-4c3d-8e9f-0a1b2c3d4e5f served"),
            ("catalog-v1-7f9c6d1b5-x1q2z", "catalog", "v1",
             '{"ts":"2026-11-24T10:04:58.101Z","level":"info","msg":"served","service":"catalog","version":"v1",'
             '"method":"GET","path":"/api/items","status":200,"duration_ms":12,'
             '"request_id":"6f1c9d2e-1b2a-4c3d-8e9f-0a1b2c3d4e5f"}'),
            ("catalog-v3-7f9c6d3b5-x3q2z", "catalog", "v3",
             '{"ts":"2026-11-24T10:04:58.230Z","level":"error","msg":"injected application error",'
             '"service":"catalog","version":"v3","method":"GET","path":"/api/items","status":500,"duration_ms":15,'
             '"request_id":"0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a"}'),
            ("ratings-v1-7f9c6d4b5-x4q2z", "ratings", "v1",
             "2026/11/24 10:04:58 info ratings GET /api/ratings 200 6ms request_id=6f1c9d2e-1b2a-4c3d-8e9f-0a1b2c3d4e5f served"),
            ("orders-v1-7f9c6d6b5-x6q2z", "orders", "v1",
             '{"ts":"2026-11-24T10:04:59.002Z","level":"warn","msg":"slow query","service":"orders","version":"v1",'
             '"method":"GET","path":"/api/orders","status":200,"duration_ms":480,"request_id":"77aa88bb-99cc-4ddd-8eee-ffff00001111"}')]
    return [LogLine("shop", pod, container, version, base + i * 100_000_000, raw, i + 1)
            for i, (pod, container, version, raw) in enumerate(rows)]


class FakeEngine:
    def __init__(self, on_ready: Callable[[], None]) -> None:
        self.lines = log_lines()
        self.tails = {("shop", x.pod, x.container): None for x in self.lines}
        on_ready()

    def drain(self, limit: int | None = None):  # type: ignore[no-untyped-def]
        from meshtui.services.logs import LogBatch

        lines, self.lines = self.lines, []
        return LogBatch(lines, 0, len(self.tails))

    def buffered(self) -> int:
        return len(self.lines)

    def stop(self) -> None:
        pass


class FakeUsage:
    """Fixed usage at three levels with ten minutes of deterministic history."""

    cluster = "meshtui"

    def __init__(self) -> None:
        from meshtui.domain.usage import RollingSeries

        self.history: dict[str, RollingSeries] = {}
        for key, base in (("host/cpu", 30.0), ("host/mem", 40.0), ("docker/meshtui-control-plane", 25.0),
                          ("docker/meshtui-worker", 60.0), ("node/meshtui-control-plane", 0.4),
                          ("node/meshtui-worker", 0.9)):
            series = self.history.setdefault(key, RollingSeries())
            for i in range(60):
                series.add(base * (1 + 0.5 * ((i * 7) % 10) / 10), at=float(i * 10))

    def series(self, key: str):  # type: ignore[no-untyped-def]
        from meshtui.domain.usage import RollingSeries

        return self.history.setdefault(key, RollingSeries())

    def snapshot(self):  # type: ignore[no-untyped-def]
        from meshtui.domain.usage import ContainerMetric, ContainerUsage, HostUsage, NodeMetric, UsageSnapshot

        gib = 1024 ** 3
        mib = 1024 ** 2
        host = HostUsage(31.5, (28.0, 35.0, 30.0, 33.0), (1.2, 1.0, 0.9), 9 * gib, 16 * gib, 0, 2 * gib,
                         "/var/lib/docker", 60 * gib, 250 * gib, 1.5 * mib, 0.3 * mib)
        containers = [ContainerUsage("meshtui-control-plane", "control-plane", "running", 24.5, 1.6 * gib, 16 * gib, 0.4),
                      ContainerUsage("meshtui-worker", "worker", "running", 61.0, 3.9 * gib, 16 * gib, 0.4)]
        nodes = [NodeMetric("meshtui-control-plane", 0.41, 1.5 * gib, 8.0, 15.6 * gib),
                 NodeMetric("meshtui-worker", 0.95, 3.7 * gib, 8.0, 15.6 * gib)]
        pods = [ContainerMetric("shop", "catalog-v3-7f9c6d3b5-x3q2z", "catalog", "meshtui-worker", 0.42, 110 * mib,
                                0.02, 0.5, 32 * mib, 128 * mib),
                ContainerMetric("shop", "catalog-v3-7f9c6d3b5-x3q2z", "istio-proxy", "meshtui-worker", 0.05, 46 * mib,
                                0.01, 2.0, 40 * mib, 1024 * mib, sidecar=True),
                ContainerMetric("shop", "orders-v1-7f9c6d6b5-x6q2z", "orders", "meshtui-worker", 0.12, 40 * mib,
                                0.02, 0.5, 32 * mib, 128 * mib),
                ContainerMetric("shop", "mysql-v8-7f9c6d7b5-x7q2z", "mysql", "meshtui-worker", 0.03, 390 * mib,
                                0.1, 1.0, 256 * mib, 512 * mib)]
        return UsageSnapshot(at=NOW, host=host, containers=containers, nodes=nodes, pods=pods)

    def sample(self):  # type: ignore[no-untyped-def]
        return self.snapshot()

    def first_complete(self, timeout: float = 3.0):  # type: ignore[no-untyped-def]
        return self.snapshot()

    def close(self) -> None:
        pass


@dataclass
class FakeCluster:
    def info(self) -> ClusterInfo:
        return ClusterInfo("meshtui-sim", "meshtui-sim", "http://127.0.0.1:6443", "simulated", "SIMULATED",
                           "meshtui's simulated cluster", "v1.32.2", "1.28.6")

    def istio_version(self) -> str:
        return "1.28.6"

    def probe_ingress(self) -> ProbeResult:
        return ProbeResult("http://127.0.0.1:8080", True, 200, 4.0, "GET /api/healthz -> 200")

    def describe(self, namespace: str, name: str) -> str:
        return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"


@dataclass
class FakeSession:
    guard: Guard
    cluster: FakeCluster = field(default_factory=FakeCluster)
    default_namespace: str = "shop"

    @property
    def kube(self) -> Any:
        return type("K", (), {"context": self.guard.context})()

    @property
    def context(self) -> ContextInfo:
        return self.guard.context

    def feed(self, name: str, on_change: Callable[[], None]) -> FakeFeed:
        return FakeFeed(name, on_change)

    def usage(self) -> FakeUsage:
        return FakeUsage()

    @property
    def routes(self) -> FakeRoutes:
        return FakeRoutes()

    def observer(self, host: str, namespace: str | None) -> FakeObserver:
        return FakeObserver()

    def logs(self, query: Any, on_ready: Callable[[], None]) -> FakeEngine:
        return FakeEngine(on_ready)

    def pivot(self, request_id: str, namespace: str | None) -> list[LogLine]:
        return [x for x in log_lines() if x.request_id == request_id]

    def close(self) -> None:
        pass


@dataclass
class FakeWiring:
    read_only: bool = False
    allow_remote: bool = False
    masker: Masker = field(default_factory=Masker)
    demo: Any = None
    kubeconfig: str | None = None
    context: str | None = None
    events: list[str] = field(default_factory=list)  # preload steps and connects, with the thread they ran in

    def preload_steps(self) -> list[Callable[[], None]]:
        def step(name: str) -> None:
            self.events.append(f"{name} in {threading.current_thread().name}")
        return [partial(step, "import a"), partial(step, "import b")]

    def session(self) -> FakeSession:
        self.events.append(f"session in {threading.current_thread().name}")
        context = ContextInfo("meshtui-sim", "meshtui-sim", "http://127.0.0.1:6443")
        return FakeSession(Guard.for_context(context, read_only=self.read_only))

    def doctor(self, profile: str | None) -> list[Check]:
        return [Check("docker", Status.PASS, "engine 27.3.1, 8 CPUs, 15.6 GiB"),
                Check("kubectl", Status.PASS, "1.36.1 at /usr/local/bin/kubectl"),
                Check("kind", Status.PASS, "0.32.0 at /usr/local/bin/kind"),
                Check("istioctl", Status.FAIL, "not found on PATH; installs Istio (networking.istio.io/v1 needs 1.22+)",
                      "./install.sh --tools  (or https://istio.io/latest/docs/setup/getting-started/#download)"),
                Check("inotify", Status.WARN, "max_user_watches=8192; kind recommends 524288/512",
                      "sudo sysctl fs.inotify.max_user_watches=524288"),
                Check("port 8080", Status.PASS, "host port 8080 -> NodePort 30080: free on 127.0.0.1")]

    def start_demo(self, **options: Any) -> None:
        raise AssertionError("snapshots never start the demo")

    def is_demo(self, context: ContextInfo) -> bool:
        return False

    def profiles(self) -> list[str]:
        return ["default", "minimal", "seed-demo", "sim"]

    def plan_up(self, profile: str) -> list[tuple[str, str]]:
        return [("preflight", "check tools, Docker, ports and the Istio overlay"),
                ("cluster", f"kind cluster {profile} (context kind-{profile})"),
                ("istio", "Istio, demo profile"), ("manifests", "apply the apps' manifests"),
                ("rollouts", "wait for the deployments to roll out"),
                ("ingress", "GET /api/healthz through the ingress gateway")]

    def plan_down(self, profile: str) -> list[str]:
        return []

    def close(self) -> None:
        pass
