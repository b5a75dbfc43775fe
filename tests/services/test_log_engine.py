"""The log engine against the simulator: every line exactly once and in order, whatever drops."""

from __future__ import annotations

import threading
import time

from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.services.log_query import LogQuery
from meshtui.services.logs import LogEngine, collect_pivot
from tests.conftest import SimCluster, SimFactory, api_client


def ground_truth(sim: SimCluster, namespace: str, pod: str, container: str) -> list[str]:
    core = client.CoreV1Api(api_client(sim))
    text = core.read_namespaced_pod_log(pod, namespace, container=container, _preload_content=False).data
    return text.decode().splitlines()


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
    kube = KubeClient.connect(str(sim.kubeconfig))
    ready = threading.Event()
    engine = LogEngine(kube, LogQuery(namespace="shop", selector="app=catalog", containers="catalog", tail=-1),
                       on_ready=ready.set, drop_when_full=False)
    sim.set_faults(drop_log_streams_after=drop_after)
    engine.start()
    try:
        time.sleep(0.5)
        import json
        import urllib.request

        request = urllib.request.Request(sim.url + "/_sim/flood", method="POST", data=json.dumps(
            {"namespace": "shop", "selector": "app=catalog", "container": "catalog", "lines": lines,
             "rate": rate}).encode())
        pods = json.loads(urllib.request.urlopen(request).read())["pods"]
        if crash:
            time.sleep(lines / rate / 2)
            sim.crash("shop", pods[0], "catalog")
        stats = sim.stats()["log_lines"]
        deadline = time.monotonic() + lines / max(rate, 1) + 10
        while time.monotonic() < deadline:
            stats = sim.stats()["log_lines"]
            if sum(stats[f"shop/{p}/catalog"] for p in pods) >= lines + len(pods) + (1 if crash else 0):
                break
            time.sleep(0.1)
        expected = {p: stats[f"shop/{p}/catalog"] for p in pods}
        got = collect(engine, ready, sum(expected.values()), timeout=30)
    finally:
        engine.stop()
        sim.set_faults(drop_log_streams_after=0)
    for pod, count in expected.items():
        delivered = got.get(("shop", pod, "catalog"), [])
        truth = ground_truth(sim, "shop", pod, "catalog")
        if crash and pod == pods[0]:
            previous = client.CoreV1Api(api_client(sim)).read_namespaced_pod_log(
                pod, "shop", container="catalog", previous=True, _preload_content=False).data.decode().splitlines()
            truth = previous + truth
        assert len(delivered) == count, f"{pod}: delivered {len(delivered)}, emitted {count}"
        assert delivered == truth, f"{pod}: lines differ from what the container wrote"
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
        deadline = time.monotonic() + 5
        while len(engine.tails) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {k[2] for k in engine.tails} == {"ratings"}  # istio-proxy hidden by default
        client.AppsV1Api(api_client(sim)).patch_namespaced_deployment_scale("ratings-v2", "shop",
                                                                            {"spec": {"replicas": 2}})
        deadline = time.monotonic() + 8
        while len(engine.tails) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(engine.tails) == 3
        new_pod = next(k[1] for k in engine.tails if engine.tails[k].first_tail is None and
                       k[1].startswith("ratings-v2"))
        sim.push_log("shop", new_pod, "ratings", ["hello from the new pod"])
        got: list[str] = []
        deadline = time.monotonic() + 5
        while not any("hello from the new pod" in line for line in got) and time.monotonic() < deadline:
            ready.wait(0.2)
            got += [line.raw for line in engine.drain().lines]
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
        time.sleep(0.5)
        pod = next(iter(engine.tails))[1]
        sim.push_log("shop", pod, "orders", [f"burst {i}" for i in range(5000)])
        deadline = time.monotonic() + 5
        while engine.dropped < 4000 and time.monotonic() < deadline:
            time.sleep(0.05)
        batch = engine.drain()
        assert len(batch.lines) == 1000 and batch.dropped == 4000
        assert batch.lines[-1].raw == "burst 4999"  # the newest are kept
    finally:
        engine.stop()
