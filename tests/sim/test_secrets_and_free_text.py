"""Secrets are stored as real ones are; free-text fields keep whatever a real server keeps.

Hostile-content tests elsewhere rely on the second part: an Event message, a node's
kubeletVersion, an annotation value or ConfigMap data may hold escape sequences - a real
API server stores them, so the product must sanitise them - and the plain API writes
them here exactly as on a real cluster (POST an Event, PATCH the node's status).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator

import pytest
from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from meshtui.sim import SimCluster, SimOptions
from tests.conftest import require
from tests.sim.conftest import api_client

HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;pwned\x07\u009b\u202e"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCluster]:
    cluster = SimCluster(SimOptions(seed=12, rate=0, crashes=False, speed=4, mesh=False),
                         kubeconfig=tmp_path_factory.mktemp("secrets") / "kubeconfig").start()
    try:
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop()


def raw(sim: SimCluster, method: str, path: str, body: object = None,
        ctype: str = "application/json") -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(sim.url + path, data=data, method=method, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_string_data_is_merged_into_data_and_never_stored(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    created = core.create_namespaced_secret("default", {"metadata": {"name": "creds"}, "data": {"user": b64("old"),
                                            "keep": b64("k")}, "string_data": {"user": "admin", "pass": "s3cret"}})
    assert created.string_data is None and created.type == "Opaque"
    assert created.data == {"user": b64("admin"), "pass": b64("s3cret"), "keep": b64("k")}
    code, got = raw(sim, "GET", "/api/v1/namespaces/default/secrets/creds")
    assert code == 200 and "stringData" not in got and got["data"]["pass"] == b64("s3cret")
    listed = core.list_namespaced_secret("default", field_selector="metadata.name=creds").items[0]
    assert listed.string_data is None and listed.data["user"] == b64("admin")
    version = core.list_namespaced_secret("default").metadata.resource_version
    patched = core.patch_namespaced_secret("creds", "default", {"stringData": {"pass": "rotated"}})
    assert patched.data["pass"] == b64("rotated") and patched.string_data is None
    events = list(watch.Watch().stream(core.list_namespaced_secret, "default", resource_version=version,
                                       timeout_seconds=1))
    assert events and all("stringData" not in json.dumps(e["raw_object"]) for e in events)


def test_server_side_apply_with_string_data(sim: SimCluster) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "env", "namespace": "default"},
            "stringData": {"DATABASE_URL": "mysql://u:p@db/x"}}
    for _ in range(2):  # create, then apply again over the stored object
        code, got = raw(sim, "PATCH", "/api/v1/namespaces/default/secrets/env?fieldManager=meshtui&force=true", body,
                        "application/apply-patch+yaml")
        assert code in (200, 201) and "stringData" not in got
        assert got["data"] == {"DATABASE_URL": b64("mysql://u:p@db/x")}


@pytest.mark.parametrize("value,offset", [("admin", 4), ("not base64!", 3), ("YQ", 0), ("YQ=", 3), ("YQ==YQ==", 4)])
def test_data_must_be_base64(sim: SimCluster, value: str, offset: int) -> None:
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/secrets", {"metadata": {"name": "bad"},
                                                                           "data": {"k": value}})
    assert code == 400 and status["reason"] == "BadRequest"
    assert status["message"] == ('Secret in version "v1" cannot be handled as a Secret: '
                                 f"illegal base64 data at input byte {offset}")


def test_data_is_returned_in_canonical_base64(sim: SimCluster) -> None:
    code, got = raw(sim, "POST", "/api/v1/namespaces/default/secrets",
                    {"metadata": {"name": "wrapped"}, "data": {"k": "YWJj\r\nZGVm\n"}})
    assert code == 201 and got["data"] == {"k": "YWJjZGVm"}


def test_types_keys_and_sizes(sim: SimCluster) -> None:
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/secrets",
                       {"metadata": {"name": "tls"}, "type": "kubernetes.io/tls", "stringData": {"tls.crt": "c"}})
    assert code == 422 and [c["field"] for c in status["details"]["causes"]] == ["data[tls.key]"]
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/secrets",
                       {"metadata": {"name": "huge"}, "stringData": {"a": "x" * (1024 * 1024 + 1)}})
    assert code == 422 and "data: Too long: must have at most 1048576 bytes" in status["message"]
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/secrets",
                       {"metadata": {"name": "keys"}, "stringData": {"../etc": "x"}})
    assert code == 422 and status["details"]["causes"][0]["field"] == "data[../etc]"
    raw(sim, "POST", "/api/v1/namespaces/default/secrets", {"metadata": {"name": "typed"}, "stringData": {"a": "b"}})
    code, status = raw(sim, "PATCH", "/api/v1/namespaces/default/secrets/typed", {"type": "kubernetes.io/tls"},
                       "application/merge-patch+json")
    assert code == 422 and "type: Invalid value: \"kubernetes.io/tls\": field is immutable" in status["message"]


def test_kubectl_creates_and_reads_secrets(sim: SimCluster) -> None:
    require(shutil.which("kubectl") is not None, "kubectl is not installed")
    run = [f"--kubeconfig={sim.kubeconfig}", "-n", "default"]
    out = subprocess.run(["kubectl", *run, "create", "secret", "generic", "literal", "--from-literal=token=t0k3n",
                          "--dry-run=client", "-o", "yaml"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(["kubectl", *run, "apply", "-f", "-"], input=out.stdout, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    manifest = "apiVersion: v1\nkind: Secret\nmetadata: {name: applied}\nstringData: {password: hunter2}\n"
    out = subprocess.run(["kubectl", *run, "apply", "-f", "-"], input=manifest, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    for name, key, value in (("literal", "token", "t0k3n"), ("applied", "password", "hunter2")):
        got = json.loads(subprocess.run(["kubectl", *run, "get", "secret", name, "-o", "json"], capture_output=True,
                                        text=True, timeout=60).stdout)
        assert "stringData" not in got and base64.b64decode(got["data"][key]).decode() == value


def test_free_text_is_stored_exactly_as_a_real_server_stores_it(sim: SimCluster) -> None:
    event = {"metadata": {"name": "evil" + HOSTILE}, "type": "Warning", "reason": "Pwn" + HOSTILE,
             "message": "line1\n" + HOSTILE, "involvedObject": {"kind": "Pod", "name": "x" + HOSTILE,
                                                                "namespace": "default"}}
    code, got = raw(sim, "POST", "/api/v1/namespaces/default/events", event)
    assert code == 201 and got["message"] == event["message"] and got["reason"] == event["reason"]
    assert got["metadata"]["name"] == "evil" + HOSTILE  # core/v1 Events only forbid '/', '%', '.', '..'
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/events", {
        "metadata": {"name": "e/1"}, "involvedObject": {"kind": "Pod", "name": "x", "namespace": "default"}})
    assert code == 422 and "may not contain '/'" in status["message"]
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/events", {
        "metadata": {"name": "e2"}, "involvedObject": {"kind": "Pod", "name": "x", "namespace": "kube-system"}})
    assert code == 422 and status["details"]["causes"][0]["field"] == "involvedObject.namespace"
    code, got = raw(sim, "PATCH", "/api/v1/nodes/meshtui-sim-worker/status",
                    {"status": {"nodeInfo": {"kubeletVersion": "v1.32.2" + HOSTILE, "osImage": HOSTILE}}},
                    "application/merge-patch+json")
    assert code == 200 and got["status"]["nodeInfo"]["kubeletVersion"] == "v1.32.2" + HOSTILE
    code, got = raw(sim, "POST", "/api/v1/namespaces/default/configmaps", {
        "metadata": {"name": "notes", "annotations": {"note": HOSTILE}}, "data": {"motd": HOSTILE}})
    assert code == 201 and got["data"]["motd"] == HOSTILE and got["metadata"]["annotations"]["note"] == HOSTILE
    code, got = raw(sim, "POST", "/api/v1/namespaces/default/pods", {"metadata": {"name": "odd"}, "spec": {
        "schedulerName": "nobody", "containers": [{"name": "app", "image": "img" + HOSTILE}]}})
    assert code == 201 and got["spec"]["containers"][0]["image"] == "img" + HOSTILE
    code, got = raw(sim, "PATCH", "/api/v1/namespaces/default/pods/odd/status", {"status": {
        "reason": "Evicted" + HOSTILE, "message": HOSTILE, "containerStatuses": [{
            "name": "app", "image": "img", "imageID": "", "ready": False, "restartCount": 0,
            "state": {"waiting": {"reason": "Pull" + HOSTILE, "message": HOSTILE}}}]}}, "application/merge-patch+json")
    assert code == 200 and got["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "Pull" + HOSTILE


def test_config_map_binary_data(sim: SimCluster) -> None:
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/configmaps",
                       {"metadata": {"name": "bin"}, "binaryData": {"blob": "%%%"}})
    assert code == 400 and status["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                                                 "illegal base64 data at input byte 0")
    code, status = raw(sim, "POST", "/api/v1/namespaces/default/configmaps",
                       {"metadata": {"name": "bin"}, "data": {"k": "v"}, "binaryData": {"k": "AA=="}})
    assert code == 422 and "duplicate of key present in binaryData" in status["message"]
    code, got = raw(sim, "POST", "/api/v1/namespaces/default/configmaps",
                    {"metadata": {"name": "bin"}, "binaryData": {"blob": "AAEC\n"}})
    assert code == 201 and got["binaryData"] == {"blob": "AAEC"}


def test_node_status_through_kubectl_patch_subresource(sim: SimCluster) -> None:
    require(shutil.which("kubectl") is not None, "kubectl is not installed")
    patch = json.dumps({"status": {"nodeInfo": {"kubeletVersion": "v9.9.9-\u001b[31mred"}}})
    out = subprocess.run(["kubectl", f"--kubeconfig={sim.kubeconfig}", "patch", "node", "meshtui-sim-worker2",
                          "--subresource=status", "--type=merge", "-p", patch], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    core = client.CoreV1Api(api_client(sim))
    assert core.read_node("meshtui-sim-worker2").status.node_info.kubelet_version == "v9.9.9-\x1b[31mred"


def test_finalizers_keep_a_deleted_object_until_released(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    core.create_namespaced_config_map("default", {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    version = core.list_namespaced_config_map("default").metadata.resource_version
    core.delete_namespaced_config_map("held", "default")
    held = core.read_namespaced_config_map("held", "default")
    assert held.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as info:
        core.patch_namespaced_config_map("held", "default", {"metadata": {"finalizers": ["example.com/hold",
                                                                                         "example.com/more"]}})
    assert info.value.status == 422 and "no new finalizers can be added" in info.value.body
    core.patch_namespaced_config_map("held", "default", {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("held", "default")
    assert info.value.status == 404
    kinds = [e["type"] for e in watch.Watch().stream(core.list_namespaced_config_map, "default",
                                                     resource_version=version, timeout_seconds=1)
             if e["object"].metadata.name == "held"]
    assert kinds == ["MODIFIED", "DELETED"]
