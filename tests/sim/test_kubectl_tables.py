"""Real kubectl prints the sim's Tables with kubectl's own semantics for every pod state.

Pods are put into each state through the real API only: created for a scheduler that
does not exist (so nothing else touches them), then their status written through the
`status` subresource, as a kubelet would. The expected STATUS/READY/RESTARTS text is
what kubectl's printer shows for that state on a real cluster.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from meshtui.sim import SimCluster, SimOptions
from tests.conftest import require

NS = "states"


def iso(seconds_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


def call(sim: SimCluster, method: str, path: str, body: object, ctype: str = "application/json") -> dict:
    request = urllib.request.Request(sim.url + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": ctype})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


RUNNING = {"running": {"startedAt": "2025-01-01T00:00:00Z"}}


def cs(name: str, state: dict, ready: bool = False, restarts: int = 0, last: dict | None = None) -> dict:
    status = {"name": name, "image": "img", "imageID": "", "ready": ready, "restartCount": restarts, "state": state}
    if last:
        status["lastState"] = last
    return status


State = tuple[list[str], list[str], dict, str, str, str]


def pod_states() -> dict[str, State]:
    """name -> (containers, init containers, status, expected READY, STATUS, RESTARTS); times relative to now."""
    return {
        "running": (["app", "sidecar"], [], {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                                             "containerStatuses": [cs("app", RUNNING, True), cs("sidecar", RUNNING, True)]},
                    "2/2", "Running", "0"),
        "crashloop": (["app"], [], {"phase": "Running", "containerStatuses": [cs(
            "app", {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}}, restarts=5,
            last={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": iso(26 * 3600)}})]},
            "0/1", "CrashLoopBackOff", "5 (26h ago)"),
        "completed": (["app"], [], {"phase": "Succeeded", "containerStatuses": [cs(
            "app", {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": iso(60)}})]},
            "0/1", "Completed", "0"),
        "initializing": (["app"], ["migrate"], {
            "phase": "Pending", "conditions": [{"type": "Initialized", "status": "False"}],
            "initContainerStatuses": [cs("migrate", RUNNING)],
            "containerStatuses": [cs("app", {"waiting": {"reason": "PodInitializing"}})]}, "0/1", "Init:0/1", "0"),
        "init-failed": (["app"], ["migrate"], {
            "phase": "Pending", "initContainerStatuses": [cs("migrate", {"terminated": {"exitCode": 2}}, restarts=1)],
            "containerStatuses": [cs("app", {"waiting": {"reason": "PodInitializing"}})]},
            "0/1", "Init:ExitCode:2", "1"),
        "pending": (["app"], [], {"phase": "Pending"}, "0/1", "Pending", "0"),
        "creating": (["app"], [], {"phase": "Pending", "containerStatuses": [cs(
            "app", {"waiting": {"reason": "ContainerCreating"}})]}, "0/1", "ContainerCreating", "0"),
        "first-wins": (["app", "sidecar"], [], {"phase": "Running", "containerStatuses": [
            cs("app", {"waiting": {"reason": "ImagePullBackOff"}}), cs("sidecar", RUNNING, True)]},
            "1/2", "ImagePullBackOff", "0"),
        "done-sidecar-up": (["job", "sidecar"], [], {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                                                     "containerStatuses": [
            cs("job", {"terminated": {"exitCode": 0, "reason": "Completed"}}), cs("sidecar", RUNNING, True)]},
            "1/2", "NotReady", "0"),
    }


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCluster]:
    require(shutil.which("kubectl") is not None, "kubectl is not installed")
    sim = SimCluster(SimOptions(seed=3, rate=0, crashes=False, speed=4, mesh=False),
                     kubeconfig=tmp_path_factory.mktemp("tables") / "kubeconfig").start()
    try:
        sim.wait_ready()
        call(sim, "POST", "/api/v1/namespaces", {"metadata": {"name": NS}})
        for name, (containers, inits, status, *_rest) in pod_states().items():
            spec = {"schedulerName": "nobody", "containers": [{"name": c, "image": "img"} for c in containers],
                    "initContainers": [{"name": c, "image": "img"} for c in inits]}
            call(sim, "POST", f"/api/v1/namespaces/{NS}/pods", {"metadata": {"name": name}, "spec": spec})
            call(sim, "PATCH", f"/api/v1/namespaces/{NS}/pods/{name}/status", {"status": status},
                 "application/merge-patch+json")
        meta = {"name": "leaving", "finalizers": ["example.com/hold"]}
        call(sim, "POST", f"/api/v1/namespaces/{NS}/pods", {"metadata": meta, "spec": {
            "schedulerName": "nobody", "containers": [{"name": "app", "image": "img"}]}})
        call(sim, "PATCH", f"/api/v1/namespaces/{NS}/pods/leaving/status", {"status": pod_states()["running"][2] | {
            "containerStatuses": [cs("app", RUNNING, True)]}}, "application/merge-patch+json")
        request = urllib.request.Request(f"{sim.url}/api/v1/namespaces/{NS}/pods/leaving", method="DELETE")
        urllib.request.urlopen(request, timeout=10).read()
        yield sim
    finally:
        sim.stop()


def kubectl(sim: SimCluster, *args: str) -> list[list[str]]:
    out = subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), *args], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", header)]  # column starts (headers may have a space)
    return [[line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)] for line in lines]


def test_pod_states_read_as_kubectl_prints_them(states: SimCluster) -> None:
    rows = kubectl(states, "get", "pods", "-n", NS)
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    seen = {row[0]: row[1:4] for row in rows[1:]}
    for name, (*_spec, ready, status, restarts) in pod_states().items():
        assert seen[name] == [ready, status, restarts], name
    assert seen["leaving"] == ["1/1", "Terminating", "0"]
    assert all(re.fullmatch(r"\d+s|\d+m\d*s?", row[4]) for row in rows[1:])


def test_all_namespaces_and_wide_columns(states: SimCluster) -> None:
    rows = kubectl(states, "get", "pods", "-A")
    assert rows[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert any(row[:2] == ["kube-system", row[1]] and row[1].startswith("etcd-") for row in rows[1:])
    wide = kubectl(states, "get", "pods", "-n", NS, "-o", "wide")
    assert wide[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    pending = next(row for row in wide if row[0] == "pending")
    assert pending[5:] == ["<none>", "<none>", "<none>", "<none>"]
    system = kubectl(states, "get", "pods", "-n", "kube-system", "-o", "wide")
    assert all(re.fullmatch(r"10\.244\.\d+\.\d+", row[5]) and row[6].startswith("meshtui-sim-") for row in system[1:])


def test_nodes(states: SimCluster) -> None:
    rows = kubectl(states, "get", "nodes", "-o", "wide")
    assert rows[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
                       "KERNEL-VERSION", "CONTAINER-RUNTIME"]
    control = next(row for row in rows if row[0] == "meshtui-sim-control-plane")
    assert control[1:3] == ["Ready", "control-plane"] and control[4:7] == ["v1.32.2", "172.18.0.2", "<none>"]
    assert control[7:] == ["Debian GNU/Linux 12 (bookworm)", "6.8.0", "containerd://2.1.3"]
    workers = [row for row in rows[1:] if row[0] != "meshtui-sim-control-plane"]
    assert workers and all(row[2] == "<none>" for row in workers)


def test_events_last_seen_object_and_message(states: SimCluster) -> None:
    call(states, "POST", f"/api/v1/namespaces/{NS}/events", {
        "metadata": {"name": "old.1"}, "type": "Warning", "reason": "BackOff", "message": "  restarting  \n",
        "involvedObject": {"kind": "Pod", "name": "crashloop", "namespace": NS},
        "firstTimestamp": iso(30 * 3600), "lastTimestamp": iso(26 * 3600), "count": 7})
    rows = kubectl(states, "get", "events", "-n", NS)
    assert rows[0] == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert ["26h", "Warning", "BackOff", "pod/crashloop", "restarting"] in rows
    wide = kubectl(states, "get", "events", "-n", NS, "-o", "wide")
    assert wide[0][-3:] == ["FIRST SEEN", "COUNT", "NAME"]
    assert next(row for row in wide if row[-1] == "old.1")[-3:] == ["30h", "7", "old.1"]


def test_kubectl_get_watch_prints_rows_as_they_change(states: SimCluster) -> None:
    proc = subprocess.Popen(["kubectl", "--kubeconfig", str(states.kubeconfig), "get", "pods", "-n", NS, "-w"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True)
    reader.start()
    try:
        call(states, "POST", f"/api/v1/namespaces/{NS}/pods", {"metadata": {"name": "watched"}, "spec": {
            "schedulerName": "nobody", "containers": [{"name": "app", "image": "img"}]}})
        call(states, "PATCH", f"/api/v1/namespaces/{NS}/pods/watched/status", {"status": {
            "phase": "Running", "containerStatuses": [cs("app", RUNNING, True, restarts=2, last={
                "terminated": {"exitCode": 1, "finishedAt": iso(10 * 3600)}})]}}, "application/merge-patch+json")
        seen: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("watched" in s and "Running" in s for s in seen):
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
        assert seen[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        assert next(s for s in seen if "watched" in s and "Running" in s).split()[1:5] == ["1/1", "Running", "2",
                                                                                          "(10h"]
        assert sum(1 for s in seen if s.startswith("NAME")) == 1  # one header for the whole watch
    finally:
        proc.kill()
        proc.communicate(timeout=10)


def test_kubectl_apply_server_side_and_what_it_is_refused(states: SimCluster) -> None:
    def apply(manifest: str, *flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["kubectl", "--kubeconfig", str(states.kubeconfig), "apply", "-n", NS, *flags, "-f", "-"],
                              input=manifest, capture_output=True, text=True, timeout=60)

    deploy = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
              "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: img}]}\n")
    out = apply(deploy, "--server-side")
    assert out.returncode == 0 and "deployment.apps/web serverside-applied" in out.stdout, out.stderr
    out = apply(deploy.replace("{labels: {app: web}}", "{labels: {app: api}}"), "--server-side")
    assert out.returncode != 0 and "`selector` does not match template `labels`" in out.stderr
    out = apply("apiVersion: v1\nkind: Pod\nmetadata: {name: Bad}\nspec: {containers: [{name: app, image: img}]}\n")
    assert out.returncode != 0
    assert 'The Pod "Bad" is invalid: metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain' in out.stderr


def test_server_side_apply_of_the_same_service_twice_changes_nothing(states: SimCluster) -> None:
    """Service ports merge by `port` (container ports by `containerPort`): a re-apply must not duplicate them."""
    service = ("apiVersion: v1\nkind: Service\nmetadata: {name: twice}\nspec:\n  selector: {app: twice}\n"
               "  ports: [{name: http, port: 9080, targetPort: 9080}, {name: admin, port: 9901}]\n")
    for _ in range(2):
        out = subprocess.run(["kubectl", "--kubeconfig", str(states.kubeconfig), "apply", "-n", NS, "--server-side",
                              "-f", "-"], input=service, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
    got = subprocess.run(["kubectl", "--kubeconfig", str(states.kubeconfig), "get", "service", "twice", "-n", NS,
                          "-o", "jsonpath={.spec.ports[*].port}"], capture_output=True, text=True, timeout=60)
    assert got.stdout.split() == ["9080", "9901"], got.stderr


def test_the_product_reads_every_state_as_kubectl_prints_it(states: SimCluster) -> None:
    """meshtui's own reduction (the Overview's and `status`'s columns) against real kubectl on the same pods."""
    from meshtui.domain.workloads import pod_summary

    rows = {row[0]: row[1:4] for row in kubectl(states, "get", "pods", "-n", NS)[1:]}
    with urllib.request.urlopen(f"{states.url}/api/v1/namespaces/{NS}/pods", timeout=10) as response:
        pods = json.loads(response.read())["items"]
    assert {pod["metadata"]["name"] for pod in pods} == set(rows) >= {*pod_states(), "leaving"}
    for pod in pods:
        ours = pod_summary(pod)
        ready, status, restarts = rows[ours.name]
        assert [ours.ready_text(), ours.status, str(ours.restarts)] == [ready, status, restarts.split(" ")[0]], \
            ours.name
