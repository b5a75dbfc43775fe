"""The simulated API server's semantics, through the official kubernetes client only."""

from __future__ import annotations

import threading
import time

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import ProtocolError

from meshtui.sim import SimCluster
from tests.sim.conftest import SimFactory, api_client

VS = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
      "metadata": {"name": "semantics", "namespace": "shop"},
      "spec": {"hosts": ["ratings"], "http": [{"route": [{"destination": {"host": "ratings", "subset": "v1"},
                                                          "weight": 100}]}]}}


def custom(sim: SimCluster) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client(sim))


def test_discovery_lists_every_required_resource(sim: SimCluster) -> None:
    api = api_client(sim)
    core = client.CoreV1Api(api).get_api_resources()
    assert core.group_version == "v1"
    names = {r.name for r in core.resources}
    assert {"namespaces", "nodes", "pods", "pods/log", "services", "events", "configmaps", "secrets"} <= names
    groups = {g.name: g for g in client.ApisApi(api).get_api_versions().groups}
    assert {"apps", "networking.istio.io", "metrics.k8s.io"} <= set(groups)
    assert [v.version for v in groups["networking.istio.io"].versions] == ["v1", "v1beta1", "v1alpha3"]
    assert client.VersionApi(api).get_code().git_version.startswith("v1.")


def test_create_returns_the_object_and_conflicts_on_stale_replace(sim: SimCluster) -> None:
    api = custom(sim)
    created = api.create_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", VS)
    assert created["metadata"]["resourceVersion"] and created["metadata"]["uid"]
    stale = dict(created)
    fresh = api.get_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics")
    fresh["spec"]["http"][0]["timeout"] = "2s"
    api.replace_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics", fresh)
    with pytest.raises(ApiException) as info:
        api.replace_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics",
                                             stale)
    assert info.value.status == 409
    assert "the object has been modified" in info.value.body
    missing_rv = {**fresh, "metadata": {k: v for k, v in fresh["metadata"].items() if k != "resourceVersion"}}
    with pytest.raises(ApiException) as info:
        api.replace_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics",
                                             missing_rv)
    assert info.value.status == 422 and "must be specified for an update" in info.value.body
    with pytest.raises(ApiException) as info:
        api.create_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", VS)
    assert info.value.status == 409 and "already exists" in info.value.body


def test_istio_objects_are_served_in_three_versions(sim: SimCluster) -> None:
    api = custom(sim)
    api.create_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", VS)
    for version in ("v1", "v1beta1", "v1alpha3"):
        obj = api.get_namespaced_custom_object("networking.istio.io", version, "shop", "virtualservices", "semantics")
        assert obj["apiVersion"] == f"networking.istio.io/{version}"


def test_patch_types(sim: SimCluster) -> None:
    api = custom(sim)
    api.create_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", VS)
    merged = api.patch_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics",
                                                {"spec": {"http": [{"route": [{"destination": {"host": "ratings",
                                                                                               "subset": "v2"}}]}]}})
    assert merged["spec"]["http"][0]["route"][0]["destination"]["subset"] == "v2"  # whole list replaced
    patched = api.patch_namespaced_custom_object(
        "networking.istio.io", "v1", "shop", "virtualservices", "semantics",
        [{"op": "add", "path": "/spec/http/0/timeout", "value": "3s"}], _content_type="application/json-patch+json")
    assert patched["spec"]["http"][0]["timeout"] == "3s"
    with pytest.raises(ApiException) as info:
        api.patch_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics",
                                           {"spec": {}}, _content_type="application/strategic-merge-patch+json")
    assert info.value.status == 415
    stale = {"metadata": {"resourceVersion": "1"}, "spec": {"hosts": ["ratings"]}}
    with pytest.raises(ApiException) as info:
        api.patch_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "semantics", stale)
    assert info.value.status == 409


def test_strategic_merge_on_builtin_kinds(sim: SimCluster) -> None:
    apps = client.AppsV1Api(api_client(sim))
    deploy = apps.patch_namespaced_deployment("ratings-v2", "shop", {"spec": {"template": {"spec": {"containers": [
        {"name": "ratings", "image": "localhost:5001/shop:v2"}]}}}})
    containers = deploy.spec.template.spec.containers
    assert [c.name for c in containers] == ["ratings"] and containers[0].image == "localhost:5001/shop:v2"
    assert containers[0].env  # merged by name, the env survived


@pytest.mark.parametrize("spec,field", [
    ({"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a"}, "weight": -1}]}]}, "weight"),
    ({"hosts": ["a"], "http": [{"route": [{"destination": {"host": "a", "subset": 2}}]}]}, "subset"),
    ({"hosts": ["a"], "bogus": True}, "bogus"),
    ({"hosts": ["a"], "http": [{"fault": {"abort": {"httpStatus": 503, "percentage": {"value": 150}}},
                                "route": [{"destination": {"host": "a"}}]}]}, "percentage"),
])
def test_invalid_istio_objects_get_422(sim: SimCluster, spec: dict, field: str) -> None:
    body = {**VS, "metadata": {"name": "bad"}, "spec": spec}
    with pytest.raises(ApiException) as info:
        custom(sim).create_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", body)
    assert info.value.status == 422
    assert field in info.value.body and '"kind":"Status"' in info.value.body.replace(" ", "")


def test_label_and_field_selectors(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    pods = core.list_namespaced_pod("shop", label_selector="app=catalog,version in (v1,v3)").items
    assert sorted(p.metadata.labels["version"] for p in pods) == ["v1", "v3"]
    pods = core.list_namespaced_pod("shop", label_selector="app=catalog,version notin (v1)").items
    assert sorted(p.metadata.labels["version"] for p in pods) == ["v2", "v3"]
    node = pods[0].spec.node_name
    on_node = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items
    assert on_node and all(p.spec.node_name == node for p in on_node)
    running = core.list_pod_for_all_namespaces(field_selector="status.phase=Running,metadata.namespace=shop").items
    assert running and all(p.metadata.namespace == "shop" for p in running)
    with pytest.raises(ApiException) as info:
        core.list_namespaced_pod("shop", field_selector="spec.bogus=x")
    assert info.value.status == 400 and "field label not supported" in info.value.body


def test_watch_resumes_from_a_version_and_410_after_compaction(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    listed = core.list_namespaced_config_map("shop")
    version = listed.metadata.resource_version
    core.create_namespaced_config_map("shop", {"metadata": {"name": "one"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("one", "shop", {"data": {"a": "2"}})
    events = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(
        core.list_namespaced_config_map, "shop", resource_version=version, timeout_seconds=1)]
    assert events == [("ADDED", "one"), ("MODIFIED", "one")]
    sim.compact()
    with pytest.raises(ApiException) as info:
        list(watch.Watch().stream(core.list_namespaced_config_map, "shop", resource_version=version,
                                  timeout_seconds=1))
    assert info.value.status == 410


def test_watch_timeout_and_bookmarks(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    version = core.list_namespaced_config_map("shop").metadata.resource_version
    started = time.monotonic()
    response = core.list_namespaced_config_map("shop", watch=True, resource_version=version, timeout_seconds=6,
                                               allow_watch_bookmarks=True, _preload_content=False)
    lines = [line for line in response.read().decode().splitlines() if line]
    elapsed = time.monotonic() - started
    assert elapsed > 5.5  # the server kept it open for timeoutSeconds, then ended it (no upper bound: busy CI)
    assert any('"BOOKMARK"' in line for line in lines)


def test_live_watch_sees_selector_transitions(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    version = core.list_namespaced_config_map("shop").metadata.resource_version
    seen: list[tuple[str, str]] = []
    w = watch.Watch()

    def consume() -> None:
        try:
            for event in w.stream(core.list_namespaced_config_map, "shop", label_selector="tier=web",
                                  resource_version=version, timeout_seconds=60):
                seen.append((event["type"], event["object"].metadata.name))
        except ProtocolError:
            pass  # w.stop() shut the socket: the way to end a watch early

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(seen) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    thread = threading.Thread(target=consume)
    thread.start()
    core.create_namespaced_config_map("shop", {"metadata": {"name": "marker", "labels": {"tier": "web"}}})
    wait_for(1)  # the watch is live now: what follows arrives as it happens, not from history
    core.create_namespaced_config_map("shop", {"metadata": {"name": "c", "labels": {"tier": "db"}}})
    core.patch_namespaced_config_map("c", "shop", {"metadata": {"labels": {"tier": "web"}}})
    core.patch_namespaced_config_map("c", "shop", {"metadata": {"labels": {"tier": "db"}}})
    wait_for(3)
    w.stop()
    thread.join(30)
    assert seen == [("ADDED", "marker"), ("ADDED", "c"), ("DELETED", "c")]


def test_deployments_scale_and_cascade(sim: SimCluster) -> None:
    api = api_client(sim)
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.patch_namespaced_deployment_scale("ratings-v2", "shop", {"spec": {"replicas": 3}})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pods = core.list_namespaced_pod("shop", label_selector="app=ratings,version=v2").items
        if len(pods) == 3 and all(p.status.phase == "Running" for p in pods):
            break
        time.sleep(0.05)
    assert len(pods) == 3
    assert all(p.metadata.name.startswith("ratings-v2-") for p in pods)
    assert all("istio-proxy" in [c.name for c in p.spec.containers] for p in pods)  # injected
    apps.delete_namespaced_deployment("ratings-v2", "shop")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and core.list_namespaced_pod("shop", label_selector="app=ratings,version=v2").items:
        time.sleep(0.05)
    assert core.list_namespaced_pod("shop", label_selector="app=ratings,version=v2").items == []


def test_errors_are_status_objects(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    with pytest.raises(ApiException) as info:
        core.read_namespaced_pod("nope", "shop")
    assert info.value.status == 404
    assert '"kind":"Status"' in info.value.body.replace(" ", "") and 'pods \\"nope\\" not found' in info.value.body
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map("no-such-ns", {"metadata": {"name": "x"}})
    assert info.value.status == 404 and "namespaces" in info.value.body


def test_api_faults(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    core = client.CoreV1Api(api_client(sim))
    sim.set_faults(api_error_rate=1.0)
    with pytest.raises(ApiException) as info:
        core.list_namespaced_pod("shop")
    assert info.value.status == 500
    sim.set_faults(api_error_rate=0, api_latency_ms=300)
    started = time.monotonic()
    core.list_namespaced_pod("shop")
    assert time.monotonic() - started >= 0.3
    sim.set_faults(api_latency_ms=0)


def test_metrics_api_and_its_absence(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    api = custom(sim)
    nodes = api.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")["items"]
    assert nodes and nodes[0]["usage"]["cpu"].endswith("n") and nodes[0]["usage"]["memory"].endswith("Ki")
    pods = api.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", "shop", "pods")["items"]
    assert any(c["name"] == "istio-proxy" for p in pods for c in p["containers"])
    sim.set_faults(metrics_unavailable=True)
    with pytest.raises(ApiException) as info:
        api.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    assert info.value.status == 404
    no_metrics = sim_factory(metrics=False)
    groups = {g.name for g in client.ApisApi(api_client(no_metrics)).get_api_versions().groups}
    assert "metrics.k8s.io" not in groups


def test_two_sims_with_the_same_seed_never_share_a_uid(sim_factory: SimFactory) -> None:
    def uid(cluster: SimCluster) -> str:
        return str(cluster.call(lambda: cluster.state.store.get(cluster.state.type("namespaces"), None,
                                                                "kube-system"))["metadata"]["uid"])

    first, second = sim_factory(seed=7), sim_factory(seed=7)
    assert uid(first) != uid(second)
