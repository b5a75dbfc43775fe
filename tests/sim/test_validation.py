"""The sim rejects what a real API server rejects - 422 Invalid, causes with field paths - and only that."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from meshtui.sim import SimCluster, SimOptions
from tests.sim.conftest import api_client


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCluster]:
    """One cluster for the module: rejected writes change nothing, accepted ones use their own names."""
    cluster = SimCluster(SimOptions(seed=11, rate=0, crashes=False, speed=4),
                         kubeconfig=tmp_path_factory.mktemp("validation") / "kubeconfig").start()
    try:
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop()


def raw(sim: SimCluster, method: str, path: str, body: object, ctype: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(sim.url + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def pod(name: str, **meta: object) -> dict:
    return {"metadata": {"name": name, **meta}, "spec": {"containers": [{"name": "app", "image": "img"}]}}


def rejected(sim: SimCluster, path: str, body: dict) -> dict:
    code, status = raw(sim, "POST", path, body)
    assert code == 422, status
    assert status["kind"] == "Status" and status["reason"] == "Invalid" and status["code"] == 422
    return status


@pytest.mark.parametrize("name,message", [
    ("p" * 5000, "must be no more than 253 characters"),
    ("bad\x1bname", '"bad\\x1bname": a lowercase RFC 1123 subdomain'),
    ("bad\nname", '"bad\\nname": a lowercase RFC 1123 subdomain'),
    ("Upper", '"Upper": a lowercase RFC 1123 subdomain'),
    ("trailing-", "must start and end with an alphanumeric character"),
], ids=["5000-chars", "esc", "newline", "uppercase", "trailing-dash"])
def test_bad_pod_names_are_rejected_with_the_field_and_a_quoted_value(sim: SimCluster, name: str,
                                                                      message: str) -> None:
    status = rejected(sim, "/api/v1/namespaces/default/pods", pod(name))
    assert message in status["message"] and "\x1b" not in status["message"] and "\n" not in status["message"]
    assert status["message"].startswith("Pod ") and " is invalid: metadata.name: Invalid value: " in status["message"]
    assert status["details"]["kind"] == "Pod" and status["details"]["name"] == name
    assert [c["field"] for c in status["details"]["causes"]] == ["metadata.name"] * len(status["details"]["causes"])
    assert status["details"]["causes"][0]["reason"] == "FieldValueInvalid"


@pytest.mark.parametrize("path,body,field,message", [
    ("/api/v1/namespaces", {"metadata": {"name": "Bad_NS"}}, "metadata.name", "RFC 1123 label"),
    ("/api/v1/namespaces", {"metadata": {"name": "with.dots"}}, "metadata.name", "must not contain dots"),
    ("/api/v1/namespaces", {"metadata": {"name": "n" * 64}}, "metadata.name", "no more than 63 characters"),
    ("/api/v1/nodes", {"metadata": {"name": "node\x1b[2J"}}, "metadata.name", "RFC 1123 subdomain"),
    ("/api/v1/namespaces/shop/services", {"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}},
     "metadata.name", "DNS-1035 label"),
    ("/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c", "labels": {"a/b/c": "x"}}},
     "metadata.labels", "a qualified name must consist of"),
    ("/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c", "labels": {"k": "v" * 64}}},
     "metadata.labels", "must be no more than 63 characters"),
    ("/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c", "labels": {"k": "bad value"}}},
     "metadata.labels", "a valid label must be an empty string"),
    ("/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c", "annotations": {"-bad": "x"}}},
     "metadata.annotations", "name part must consist of"),
    ("/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c", "annotations": {"big": "x" * 262144}}},
     "metadata.annotations", "Too long: must have at most 262144 bytes"),
    ("/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c"}, "data": {"no/slash": "x"}},
     "data[no/slash]", "a valid config key"),
    ("/api/v1/namespaces/shop/pods", {"metadata": {"generateName": "Web-"}, "spec": {
        "containers": [{"name": "app", "image": "img"}]}}, "metadata.generateName", "RFC 1123 subdomain"),
    ("/api/v1/namespaces/shop/pods", {"metadata": {"name": "p", "finalizers": ["hold"]}, "spec": {
        "containers": [{"name": "app", "image": "img"}]}}, "metadata.finalizers[0]",
     "neither a standard finalizer name nor is it fully qualified"),
])
def test_metadata_rules(sim: SimCluster, path: str, body: dict, field: str, message: str) -> None:
    status = rejected(sim, path, body)
    assert any(c["field"] == field and message in c["message"] for c in status["details"]["causes"]), status


@pytest.mark.parametrize("spec,field,message", [
    ({"containers": []}, "spec.containers", "Required value"),
    ({"containers": [{"name": "App", "image": "img"}]}, "spec.containers[0].name", "RFC 1123 label"),
    ({"containers": [{"name": "app"}]}, "spec.containers[0].image", "Required value"),
    ({"containers": [{"name": "app", "image": "img"}, {"name": "app", "image": "img"}]}, "spec.containers[1].name",
     'Duplicate value: "app"'),
    ({"containers": [{"name": "app", "image": "img", "ports": [{"containerPort": 70000}]}]},
     "spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ({"containers": [{"name": "app", "image": "img", "ports": [{"containerPort": 80, "name": "http_web"}]}]},
     "spec.containers[0].ports[0].name", "must contain only alpha-numeric characters"),
    ({"containers": [{"name": "app", "image": "img", "ports": [{"containerPort": 80, "protocol": "HTTP"}]}]},
     "spec.containers[0].ports[0].protocol", 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
    ({"restartPolicy": "Sometimes", "containers": [{"name": "app", "image": "img"}]}, "spec.restartPolicy",
     'supported values: "Always", "OnFailure", "Never"'),
    ({"nodeName": "Node_1", "containers": [{"name": "app", "image": "img"}]}, "spec.nodeName", "RFC 1123 subdomain"),
    ({"containers": [{"name": "app", "image": "img", "env": [{"name": "A=B", "value": "x"}]}]},
     "spec.containers[0].env[0].name", "printable ASCII characters other than '='"),
])
def test_pod_spec_rules(sim: SimCluster, spec: dict, field: str, message: str) -> None:
    status = rejected(sim, "/api/v1/namespaces/default/pods", {"metadata": {"name": "p"}, "spec": spec})
    assert any(c["field"] == field and message in c["message"] for c in status["details"]["causes"]), status


def deployment(selector: dict | None, labels: dict, **spec: object) -> dict:
    body: dict = {"metadata": {"name": "web"}, "spec": {"template": {"metadata": {"labels": labels}, "spec": {
        "containers": [{"name": "web", "image": "img"}]}}, **spec}}
    if selector is not None:
        body["spec"]["selector"] = selector
    return body


@pytest.mark.parametrize("body,field,message", [
    (deployment(None, {"app": "web"}), "spec.selector", "Required value"),
    (deployment({}, {"app": "web"}), "spec.selector", "empty selector is invalid for deployment"),
    (deployment({"matchLabels": {"app": "web"}}, {"app": "api"}), "spec.template.metadata.labels",
     'Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`'),
    (deployment({"matchExpressions": [{"key": "app", "operator": "Near"}]}, {"app": "web"}),
     "spec.selector.matchExpressions[0].operator", "not a valid selector operator"),
    (deployment({"matchLabels": {"app": "web"}}, {"app": "web"}, replicas=-1), "spec.replicas",
     "must be greater than or equal to 0"),
    (deployment({"matchLabels": {"app": "web"}}, {"app": "web"},
                strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when `maxSurge` is 0"),
])
def test_deployment_rules(sim: SimCluster, body: dict, field: str, message: str) -> None:
    status = rejected(sim, "/apis/apps/v1/namespaces/shop/deployments", body)
    assert status["message"].startswith('Deployment.apps "web" is invalid: ')
    assert status["details"]["group"] == "apps"
    assert any(c["field"] == field and message in c["message"] for c in status["details"]["causes"]), status


def test_several_errors_are_listed_in_brackets(sim: SimCluster) -> None:
    body = {"metadata": {"name": "Bad", "labels": {"k": "-"}}, "spec": {"containers": [{"name": "app"}]}}
    status = rejected(sim, "/api/v1/namespaces/shop/pods", body)
    assert status["message"].startswith('Pod "Bad" is invalid: [metadata.name: Invalid value: "Bad"')
    assert status["message"].endswith("spec.containers[0].image: Required value]")
    assert [c["field"] for c in status["details"]["causes"]] == ["metadata.name", "metadata.labels",
                                                                 "spec.containers[0].image"]


@pytest.mark.parametrize("ports,field,message", [
    ([{"port": 0}], "spec.ports[0].port", "must be between 1 and 65535, inclusive"),
    ([{"port": 80}, {"port": 81}], "spec.ports[0].name", "Required value"),
    ([{"port": 80, "nodePort": 30080}], "spec.ports[0].nodePort", "may not be used when `type` is 'ClusterIP'"),
    ([{"name": "a", "port": 80}, {"name": "b", "port": 80}], "spec.ports[1]", "Duplicate value"),
    ([{"port": 80, "targetPort": "Web_Port"}], "spec.ports[0].targetPort", "alpha-numeric characters"),
])
def test_service_rules(sim: SimCluster, ports: list, field: str, message: str) -> None:
    status = rejected(sim, "/api/v1/namespaces/shop/services", {"metadata": {"name": "svc"}, "spec": {"ports": ports}})
    assert any(c["field"] == field and message in c["message"] for c in status["details"]["causes"]), status


def test_the_official_client_sees_422_with_causes(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    with pytest.raises(ApiException) as info:
        core.create_namespace({"metadata": {"name": "UPPER"}})
    assert info.value.status == 422
    assert json.loads(info.value.body)["details"]["causes"][0]["field"] == "metadata.name"


def test_generate_name_and_what_is_valid(sim: SimCluster) -> None:
    code, created = raw(sim, "POST", "/api/v1/namespaces/shop/pods", {"metadata": {"generateName": "x" * 80 + "-"},
                                                                      "spec": pod("")["spec"]})
    assert code == 201 and len(created["metadata"]["name"]) == 63
    assert created["metadata"]["name"].startswith("x" * 58)
    code, _ = raw(sim, "POST", "/api/v1/namespaces/shop/pods", pod("a.valid-subdomain.name"))
    assert code == 201


def test_wrong_field_types_are_bad_requests(sim: SimCluster) -> None:
    code, status = raw(sim, "POST", "/api/v1/namespaces/shop/configmaps", {"metadata": {"name": "c", "labels": {"n": 1}}})
    assert code == 400 and status["reason"] == "BadRequest"
    assert status["message"].startswith('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot')


def test_updates_cannot_change_immutable_fields(sim: SimCluster) -> None:
    apps = client.AppsV1Api(api_client(sim))
    deploy = apps.read_namespaced_deployment("ratings-v1", "shop")
    deploy.spec.selector.match_labels = {**deploy.spec.selector.match_labels, "extra": "x"}
    deploy.spec.template.metadata.labels = {**deploy.spec.template.metadata.labels, "extra": "x"}
    with pytest.raises(ApiException) as info:
        apps.replace_namespaced_deployment("ratings-v1", "shop", deploy)
    assert info.value.status == 422 and "spec.selector: Invalid value" in info.value.body
    assert "field is immutable" in info.value.body
    core = client.CoreV1Api(api_client(sim))
    name = core.list_namespaced_pod("shop", label_selector="app=ratings").items[0].metadata.name
    code, status = raw(sim, "PATCH", f"/api/v1/namespaces/shop/pods/{name}", {"spec": {"nodeName": "elsewhere"}},
                       "application/merge-patch+json")
    assert code == 422 and "pod updates may not change fields other than" in status["message"]
    code, status = raw(sim, "PATCH", f"/api/v1/namespaces/shop/pods/{name}", {"metadata": {"uid": "other"}},
                       "application/merge-patch+json")
    assert code == 422 and status["details"]["causes"][0]["field"] == "metadata.uid"


def test_bulk_pods_are_validated_like_any_write(sim: SimCluster) -> None:
    code, status = raw(sim, "POST", "/_sim/pods", {"namespace": "load", "pods": 2, "app": "Bad App"})
    assert code == 422 and status["reason"] == "Invalid" and "metadata.name" in status["message"]
    code, body = raw(sim, "POST", "/_sim/pods", {"namespace": "load", "pods": 2, "app": "load"})
    assert code == 200 and body == {"namespace": "load", "pods": 2}
