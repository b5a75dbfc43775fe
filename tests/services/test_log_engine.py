"""The log engine against the simulator: every line exactly once and in order, whatever drops."""

from __future__ import annotations

import threading
import time

from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import TailState
from meshtui.services.logs import LogEngine, collect_pivot
from tests.conftest import SimCluster, SimFactory, api_client
from tests.services.log_oracle import get, node_log, post, wait


def collect(engine: LogEngine, done: threading.Event, expected: int, timeout: float) -> dict[tuple, list[str]]:
    got: dict[tuple, list[str]] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done.wait(0.2)
        done.clear()
        for line in engine.drain().lines:
            if line.marker is None:
                got.setdefault((line.namespace, line.pod, line.container), []).append(line.raw)
        if sum(len(v) for v in got.values()) >= expected:
            break
    return got


def flood_and_follow(sim: SimCluster, drop_after: int, lines: int, rate: int, crash: bool = False) -> None:
    """Flood the catalog pods while streams are cut; the truth per pod is the node's record once the flood ended.

    Every step waits on a condition (tails following, a third of the flood written, the flood finished, every
    line delivered) with generous timeouts: a busy machine is slower, never wrong.
    """
    kube = KubeClient.connect(str(sim.kubeconfig))
    ready = threading.Event()
    engine = LogEngine(kube, LogQuery(namespace="shop", selector="app=catalog", containers="catalog", tail=-1),
                       on_ready=ready.set, drop_when_full=False, capacity=1_000_000)
    sim.set_faults(drop_log_streams_after=drop_after)
    engine.start()
    try:
        wait(lambda: len(engine.tails) == 3 and all(t.state is TailState.FOLLOWING for t in engine.tails.values()),
             60, "three following tails")
        pods = sorted(post(sim, "/_sim/flood", {"namespace": "shop", "selector": "app=catalog", "container": "catalog",
                                                "lines": lines, "rate": rate})["pods"])
        if crash:
            def written() -> int:
                return int(get(sim, "/_sim/stats")["log_lines"].get(f"shop/{pods[0]}/catalog", 0))
            wait(lambda: written() >= lines // len(pods) // 3, 120, "a third of the flood")
            post(sim, "/_sim/crash", {"namespace": "shop", "pod": pods[0], "container": "catalog"})
        wait(lambda: get(sim, "/_sim/stats")["floods_running"] == 0, 180, "the flood to finish")
        truth = {pod: [text for instance in sorted(log) for text in log[instance]]
                 for pod in pods for log in [node_log(sim, pod, "catalog")]}
        got = collect(engine, ready, sum(len(v) for v in truth.values()), timeout=180)
    finally:
        engine.stop()
        sim.set_faults(drop_log_streams_after=0)
    for pod, lines_written in truth.items():
        delivered = got.get(("shop", pod, "catalog"), [])
        assert len(delivered) == len(lines_written), f"{pod}: delivered {len(delivered)}, wrote {len(lines_written)}"
        assert delivered == lines_written, f"{pod}: lines differ from what the container wrote"
    if crash:
        assert len(node_log(sim, pods[0], "catalog")) == 2  # the crash happened: two instances were read
    assert engine.stats()["reconnects"] > 0


def test_every_line_exactly_once_in_order_despite_dropped_streams(sim_factory: SimFactory) -> None:
    flood_and_follow(sim_factory(), drop_after=300, lines=6000, rate=3000)


def test_no_loss_across_a_container_restart(sim_factory: SimFactory) -> None:
    flood_and_follow(sim_factory(), drop_after=250, lines=3000, rate=1500, crash=True)


def test_new_pods_are_followed_and_sidecars_hidden(sim: SimCluster) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    ready = threading.Event()
    engine = LogEngine(kube, LogQuery(namespace="shop", selector="app=ratings", tail=0), on_ready=ready.set)
    engine.start()
    try:
        wait(lambda: len(engine.tails) >= 2, 60, "the two ratings tails")
        assert {k[2] for k in engine.tails} == {"ratings"}  # istio-proxy hidden by default
        client.AppsV1Api(api_client(sim)).patch_namespaced_deployment_scale("ratings-v2", "shop",
                                                                            {"spec": {"replicas": 2}})
        wait(lambda: len(engine.tails) == 3, 60, "the scaled-up pod's tail")
        new_pod = next(k[1] for k in engine.tails if engine.tails[k].first_tail is None and
                       k[1].startswith("ratings-v2"))
        sim.push_log("shop", new_pod, "ratings", ["hello from the new pod"])
        got: list[str] = []

        def hello() -> bool:
            ready.wait(0.2)
            got.extend(line.raw for line in engine.drain().lines)
            return any("hello from the new pod" in line for line in got)
        wait(hello, 60, "the new pod's line")
        assert any("listening on" in line for line in got)  # the new pod's lines from its first one
        assert any("hello from the new pod" in line for line in got)
    finally:
        engine.stop()


def test_no_follow_fetch_and_filters(sim: SimCluster) -> None:
    sim.send(50, path="/")
    kube = KubeClient.connect(str(sim.kubeconfig))
    query = LogQuery(namespace="shop", pod_pattern="^catalog-v1", containers="catalog", tail=-1, follow=False,
                     field_filters=("level>=info", "status=2xx"))
    lines = [line for batch in LogEngine(kube, query).fetch() for line in batch.lines]
    assert lines and all(line.fields and line.fields["status"] == 200 for line in lines)
    assert all(line.pod.startswith("catalog-v1") for line in lines)
    envoy = LogQuery(namespace="shop", pod_pattern="^catalog-v1", containers="istio-proxy", sidecars=True, tail=-1,
                     follow=False, field_filters=("upstream~ratings",))
    sidecar = [line for batch in LogEngine(kube, envoy).fetch() for line in batch.lines]
    assert sidecar and all(line.kind == "envoy" and "ratings" in line.fields["upstream_cluster"] for line in sidecar)


def test_request_id_pivot_spans_gateway_sidecars_and_apps(sim: SimCluster) -> None:
    sim.send(1, path="/api/products", headers={"x-request-id": "pivot-abc-123", "end-user": "u"})
    kube = KubeClient.connect(str(sim.kubeconfig))
    lines = collect_pivot(kube, "pivot-abc-123", None)
    where = {(line.namespace, line.pod.rsplit("-", 2)[0], line.container) for line in lines}
    assert ("istio-system", "istio-ingressgateway", "istio-proxy") in where
    assert ("shop", "storefront-v1", "storefront") in where
    assert ("shop", "catalog-v1", "istio-proxy") in where
    assert ("shop", "ratings-v1", "ratings") in where
    assert all(line.request_id == "pivot-abc-123" for line in lines)
    assert [line.ts for line in lines] == sorted(line.ts for line in lines)


def test_consumer_slower_than_producer_drops_with_a_count(sim: SimCluster) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    engine = LogEngine(kube, LogQuery(namespace="shop", selector="app=orders", containers="orders", tail=0),
                       capacity=1000, drop_when_full=True)
    engine.start()
    try:
        wait(lambda: len(engine.tails) == 1 and next(iter(engine.tails.values())).state is TailState.FOLLOWING,
             60, "the orders tail")
        pod = next(iter(engine.tails))[1]
        sim.push_log("shop", pod, "orders", [f"burst {i}" for i in range(5000)])
        wait(lambda: engine.dropped >= 4000, 60, "4,000 lines dropped")
        batch = engine.drain()
        assert len(batch.lines) == 1000 and batch.dropped == 4000
        assert batch.lines[-1].raw == "burst 4999"  # the newest are kept
    finally:
        engine.stop()
