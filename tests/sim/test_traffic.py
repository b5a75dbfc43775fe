"""The traffic simulator follows the routes in force and logs like Envoy and the Go service."""

from __future__ import annotations

import json
import re
import urllib.request

from kubernetes import client

from meshtui.sim import SimCluster
from tests.sim.conftest import SimFactory, api_client

GROUP, VERSION = "networking.istio.io", "v1"


def set_routes(sim: SimCluster, host: str, http: list[dict]) -> None:
    api = client.CustomObjectsApi(api_client(sim))
    current = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", host)
    current["spec"]["http"] = http
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", host, current)


def weighted(host: str, weights: dict[str, int]) -> list[dict]:
    return [{"name": "primary", "route": [{"destination": {"host": host, "subset": s}, "weight": w}
                                          for s, w in weights.items()]}]


def catalog_counts(sim: SimCluster) -> dict[str, int]:
    requests = sim.stats()["requests"]
    return {key.split("/")[1]: n for key, n in requests.items() if key.startswith("catalog/")}


def test_weights_change_the_split(sim: SimCluster) -> None:
    set_routes(sim, "catalog", weighted("catalog", {"v1": 90, "v2": 10}))
    sim.send(1000, path="/")
    counts = catalog_counts(sim)
    total = sum(counts.values())
    assert total == 1000
    assert 0.85 <= counts["v1"] / total <= 0.95
    assert 0.05 <= counts["v2"] / total <= 0.15


def test_header_match_routes_testers_ahead_of_the_weights(sim: SimCluster) -> None:
    set_routes(sim, "catalog", [{"name": "testers", "match": [{"headers": {"end-user": {"exact": "tester"}}}],
                                 "route": [{"destination": {"host": "catalog", "subset": "v3"}}]},
                                *weighted("catalog", {"v1": 100})])
    sim.send(200, path="/", headers={"end-user": "tester"})
    assert catalog_counts(sim) == {"v3": 200}
    sim.send(100, path="/", headers={"end-user": "someone"})
    assert catalog_counts(sim) == {"v3": 200, "v1": 100}


def test_abort_fault_fails_its_share(sim: SimCluster) -> None:
    set_routes(sim, "ratings", [{"fault": {"abort": {"httpStatus": 503, "percentage": {"value": 50.0}}},
                                 "route": [{"destination": {"host": "ratings", "subset": "v1"}}]}])
    statuses = sim.send(1000, path="/")
    errors = sum(n for status, n in statuses.items() if status >= 500)
    assert 450 <= errors <= 550, statuses


def test_missing_subset_is_a_503_no_cluster(sim: SimCluster) -> None:
    set_routes(sim, "ratings", weighted("ratings", {"v9": 100}))
    assert sim.send(20, path="/") == {502: 20}
    pods = client.CoreV1Api(api_client(sim)).list_namespaced_pod("shop", label_selector="app=catalog,version=v1")
    log = client.CoreV1Api(api_client(sim)).read_namespaced_pod_log(pods.items[0].metadata.name, "shop",
                                                                    container="istio-proxy", tail_lines=5)
    assert " 503 NC cluster_not_found " in log and "outbound|9080|v9|ratings.shop.svc.cluster.local" in log


def test_access_logs_and_app_logs_share_the_request_id(sim: SimCluster) -> None:
    sim.send(1, path="/api/products", headers={"x-request-id": "rid-123", "end-user": "u1"})
    core = client.CoreV1Api(api_client(sim))
    pod = core.list_namespaced_pod("shop", label_selector="app=catalog,version=v1").items[0].metadata.name
    sidecar = core.read_namespaced_pod_log(pod, "shop", container="istio-proxy")
    inbound = [line for line in sidecar.splitlines() if '"rid-123"' in line and "inbound|9080||" in line]
    outbound = [line for line in sidecar.splitlines() if '"rid-123"' in line and "outbound|9080|v1|ratings" in line]
    assert inbound and outbound
    assert re.match(r'^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] "GET /api/items HTTP/1\.1" 200 - via_upstream - "-" 0 '
                    r'\d+ \d+ \d+ "-" "Go-http-client/1\.1" "rid-123" "catalog:9080" "10\.244\.\d+\.\d+:9080" '
                    r'inbound\|9080\|\| ', inbound[0]), inbound[0]
    app = [json.loads(line) for line in core.read_namespaced_pod_log(pod, "shop", container="catalog").splitlines()
           if line.startswith("{")]
    assert any(entry["request_id"] == "rid-123" and entry["service"] == "catalog" for entry in app)


def test_mirror_sends_shadow_copies(sim: SimCluster) -> None:
    set_routes(sim, "ratings", [{"route": [{"destination": {"host": "ratings", "subset": "v1"}}],
                                 "mirror": {"host": "ratings", "subset": "v2"}, "mirrorPercentage": {"value": 100.0}}])
    sim.send(10, path="/")
    core = client.CoreV1Api(api_client(sim))
    pod = core.list_namespaced_pod("shop", label_selector="app=ratings,version=v2").items[0].metadata.name
    log = core.read_namespaced_pod_log(pod, "shop", container="istio-proxy")
    assert log.count('"ratings-shadow:9080"') == 10


def test_same_seed_same_traffic(sim_factory: SimFactory) -> None:
    first, second = sim_factory(seed=7), sim_factory(seed=7)
    for cluster in (first, second):
        set_routes(cluster, "catalog", weighted("catalog", {"v1": 50, "v2": 30, "v3": 20}))
    assert first.send(300, path="/") == second.send(300, path="/")
    assert catalog_counts(first) == catalog_counts(second)


def test_the_ingress_listener_answers_real_http(sim: SimCluster) -> None:
    with urllib.request.urlopen(sim.ingress_url + "/api/healthz", timeout=5) as response:
        body = json.loads(response.read())
        assert response.status == 200
        assert response.headers["x-request-id"]
    assert body["status"] == "OK" and body["service"] == "orders"
    assert sim.stats()["requests"].get("orders/-") == 1
