"""Usage from the simulator's metrics API: requests/limits, sidecars, missing metrics-server, units."""

from __future__ import annotations

from decimal import Decimal

from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.services.usage import METRICS_MISSING, UsageService
from tests.conftest import SimCluster, SimFactory, api_client

CPU = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3")}
MEM = {"Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3}


def expected(text: str, table: dict) -> Decimal:
    """An independent reading of the quantity forms metrics-server and friends emit."""
    for suffix, factor in table.items():
        if text.endswith(suffix):
            return Decimal(text[: -len(suffix)]) * Decimal(factor)
    return Decimal(text)


def service(sim: SimCluster) -> UsageService:
    return UsageService(KubeClient.connect(str(sim.kubeconfig)), None, cluster=None, provider="")


def test_pods_with_requests_limits_and_sidecars(sim: SimCluster) -> None:
    sim.send(50, path="/")
    usage = service(sim)
    try:
        snapshot = usage.sample()
    finally:
        usage.close()
    assert snapshot.metrics_available and len(snapshot.nodes) == 3
    assert all(n.cpu and n.cpu_capacity == 4 for n in snapshot.nodes)
    catalog = next(p for p in snapshot.pods if p.pod.startswith("catalog-v1") and p.container == "catalog")
    sidecar = next(p for p in snapshot.pods if p.pod.startswith("catalog-v1") and p.container == "istio-proxy")
    gateway = next(p for p in snapshot.pods if p.pod.startswith("istio-ingressgateway"))
    assert catalog.cpu_request == 0.02 and catalog.cpu_limit == 0.5 and catalog.mem_limit == 128 * 1024 ** 2
    assert catalog.cpu_of_request is not None and not catalog.sidecar
    assert sidecar.sidecar and not gateway.sidecar  # a gateway's only container is the app


def test_missing_metrics_server_still_shows_requests_and_limits(sim_factory: SimFactory) -> None:
    sim = sim_factory(metrics=False)
    usage = service(sim)
    try:
        snapshot = usage.sample()
    finally:
        usage.close()
    assert not snapshot.metrics_available and METRICS_MISSING in snapshot.notices
    catalog = next(p for p in snapshot.pods if p.pod.startswith("catalog-v1") and p.container == "catalog")
    assert catalog.cpu is None and catalog.cpu_request == 0.02
    assert {n.name for n in snapshot.nodes} and all(n.cpu is None and n.cpu_capacity for n in snapshot.nodes)


def test_quantities_in_every_unit(sim: SimCluster) -> None:
    sim.set_faults(metrics_units="mixed")
    raw = client.CustomObjectsApi(api_client(sim)).list_cluster_custom_object("metrics.k8s.io", "v1beta1", "pods")
    usage = service(sim)
    try:
        snapshot = usage.sample()
    finally:
        usage.close()
    seen_cpu, seen_mem = set(), set()
    measured = {(m.namespace, m.pod, m.container): m for m in snapshot.pods}
    for item in raw["items"]:
        for container in item["containers"]:
            cpu, memory = container["usage"]["cpu"], container["usage"]["memory"]
            seen_cpu.add(next((u for u in CPU if cpu.endswith(u)), "plain"))
            seen_mem.add(next((u for u in MEM if memory.endswith(u)), "plain"))
            ours = measured[(item["metadata"]["namespace"], item["metadata"]["name"], container["name"])]
            assert abs(Decimal(str(ours.cpu)) - expected(cpu, CPU)) < Decimal("1e-3")  # metrics move between reads
            assert ours.memory is not None and ours.memory > 0
    assert seen_cpu == {"n", "u", "m", "plain"} and seen_mem == {"Ki", "Mi", "Gi", "plain"}


def test_a_sample_finishing_after_close_leaves_no_pod_watch_running(sim: SimCluster) -> None:
    """The Resources panel closes the service while a sample may still be running on a worker: that sample
    must not start the pod watch (a thread retrying for ever against a cluster the app has left)."""
    import threading

    usage = service(sim)
    usage.close()  # the panel went away first; the worker's sample runs after
    usage.sample()
    watches = [t for t in threading.enumerate() if t.name == "feed:usage-pods" and t.is_alive()]
    for thread in watches:
        thread.join(5)  # a watch that was stopped ends on its own; one never stopped keeps running
    assert not [t for t in watches if t.is_alive()], "a pod watch was left running after close()"
