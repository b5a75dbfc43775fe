"""The simulated scheduler and kubelet: where pods run and how their containers live.

Pods are bound to the least loaded worker, then their containers are "pulled",
created and started (with the Events a real kubelet records), they turn Ready after a
short readiness delay, and `crash()` restarts a container the way a CrashLoop does:
restartCount + 1, lastState terminated, a BackOff warning, and a new log instance.
`delete_pod()` is a graceful deletion: the pod turns Terminating (deletionTimestamp),
its containers stop (follow streams end, the logs stay readable), and the object goes
`TERMINATING_SECONDS` later (mesh pods drain for seconds); a grace period of 0 removes it at once, as `--force` does.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

from meshtui.sim.store import ApiError, now_iso

if TYPE_CHECKING:
    from meshtui.sim.controllers import Controllers


def _node_names(ctl: Controllers) -> list[str]:
    return [n["metadata"]["name"] for n in ctl.store.list(ctl.state.type("nodes"))]


def pick_node(ctl: Controllers) -> str | None:
    nodes = ctl.store.list(ctl.state.type("nodes"))
    workers = [n for n in nodes if "node-role.kubernetes.io/control-plane" not in n["metadata"].get("labels", {})]
    candidates = workers or nodes
    if not candidates:
        return None
    counts = {n["metadata"]["name"]: 0 for n in candidates}
    for pod in ctl.store.bucket(ctl.state.type("pods")).values():
        node = pod.get("spec", {}).get("nodeName")
        if node in counts:
            counts[node] += 1
    return min(counts, key=lambda name: (counts[name], name))


def schedule(ctl: Controllers, namespace: str, name: str, uid: str) -> None:
    pods = ctl.state.type("pods")
    pod = ctl.store.find(pods, namespace, name)
    if pod is None or pod["metadata"]["uid"] != uid or pod.get("status", {}).get("phase") == "Running":
        return  # gone, replaced, or started by someone else (bulk benchmark pods)
    node = pod.get("spec", {}).get("nodeName") or pick_node(ctl)
    if node is None:
        ctl.record(pod, "Warning", "FailedScheduling", "0/0 nodes are available: no nodes available to schedule pods.",
                   "default-scheduler")
        return
    names = _node_names(ctl)
    index = names.index(node) if node in names else 0
    ctl._pod_seq += 1

    def bind(obj: dict) -> None:
        obj["spec"]["nodeName"] = node
        obj["status"]["conditions"] = [{"type": "PodScheduled", "status": "True", "lastTransitionTime": now_iso()}]
        obj["status"]["hostIP"] = f"172.18.0.{index + 2}"
        obj["status"]["podIP"] = f"10.244.{index}.{(ctl._pod_seq % 250) + 2}"
        obj["status"]["podIPs"] = [{"ip": obj["status"]["podIP"]}]
    pod = ctl.store.mutate(pods, namespace, name, bind)
    ctl.record(pod, "Normal", "Scheduled", f"Successfully assigned {namespace}/{name} to {node}", "default-scheduler")
    ctl._later(0.15 + ctl.state.rng.random() * 0.2, start_containers, ctl, namespace, name, uid)


def _digest(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _container_status(container: dict, now: str, ready: bool, restarts: int = 0) -> dict:
    image = container.get("image", "")
    return {"name": container["name"], "image": image, "imageID": f"{image.split(':')[0]}@sha256:{_digest(image)}",
            "containerID": f"containerd://{_digest(container['name'], now, restarts)}",
            "ready": ready, "started": True, "restartCount": restarts, "state": {"running": {"startedAt": now}}}


def start_containers(ctl: Controllers, namespace: str, name: str, uid: str) -> None:
    pods = ctl.state.type("pods")
    pod = ctl.store.find(pods, namespace, name)
    if pod is None or pod["metadata"]["uid"] != uid:
        return
    now = now_iso()
    for container in pod["spec"].get("initContainers", []) + pod["spec"].get("containers", []):
        image = container.get("image", "")
        ctl.record(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine', "kubelet")
        ctl.record(pod, "Normal", "Created", f"Created container {container['name']}", "kubelet")
        ctl.record(pod, "Normal", "Started", f"Started container {container['name']}", "kubelet")

    def run(obj: dict) -> None:
        status = obj["status"]
        status["phase"] = "Running"
        status["startTime"] = now
        status["initContainerStatuses"] = [
            {"name": c["name"], "image": c.get("image", ""), "ready": True, "restartCount": 0,
             "imageID": f"{c.get('image', '').split(':')[0]}@sha256:{_digest(c.get('image', ''))}",
             "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}}}
            for c in obj["spec"].get("initContainers", [])]
        if not status["initContainerStatuses"]:
            status.pop("initContainerStatuses")
        status["containerStatuses"] = [_container_status(c, now, False) for c in obj["spec"].get("containers", [])]
        status["conditions"] = [
            {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now}]
    pod = ctl.store.mutate(pods, namespace, name, run)
    for container in pod["spec"].get("containers", []):
        ctl.state.logs.start(namespace, name, container["name"], uid).append(startup_lines(pod, container))
    ctl._later(0.3 + ctl.state.rng.random() * 0.4, become_ready, ctl, namespace, name, uid)


def become_ready(ctl: Controllers, namespace: str, name: str, uid: str) -> None:
    pods = ctl.state.type("pods")
    pod = ctl.store.find(pods, namespace, name)
    if pod is None or pod["metadata"]["uid"] != uid or pod["status"].get("phase") != "Running" \
            or pod["metadata"].get("deletionTimestamp"):
        return
    now = now_iso()

    def ready(obj: dict) -> None:
        for status in obj["status"].get("containerStatuses", []):
            status["ready"] = True
        for condition in obj["status"]["conditions"]:
            if condition["type"] in ("Ready", "ContainersReady"):
                condition.update({"status": "True", "lastTransitionTime": now})
                condition.pop("reason", None)
    ctl.store.mutate(pods, namespace, name, ready)


def crash(ctl: Controllers, namespace: str, name: str, container: str, reason: str = "Error",
          exit_code: int = 1) -> dict:
    """Restart one container as a crash would; returns the updated pod."""
    pods = ctl.state.type("pods")
    pod = ctl.store.get(pods, namespace, name)
    if container not in [c["name"] for c in pod["spec"].get("containers", [])]:
        raise ApiError(400, "BadRequest", f'container "{container}" not found in pod "{name}"')
    if pod["metadata"].get("deletionTimestamp"):
        raise ApiError(409, "Conflict", f'pod "{name}" is terminating')
    log = ctl.state.logs.get(namespace, name, container)
    log.append([f"panic: simulated crash ({reason}, exit code {exit_code})"])
    log.restart()
    spec = next(c for c in pod["spec"]["containers"] if c["name"] == container)
    log.append(startup_lines(pod, spec))
    lag = ctl.state.faults.status_lag_ms / 1000
    if lag > 0:  # the node serves the new instance now; the pod says so after the kubelet's next relist
        ctl._later(lag, _report_restart, ctl, namespace, name, pod["metadata"]["uid"], container, reason, exit_code)
        return pod
    return _report_restart(ctl, namespace, name, pod["metadata"]["uid"], container, reason, exit_code)


def _report_restart(ctl: Controllers, namespace: str, name: str, uid: str, container: str, reason: str,
                    exit_code: int) -> dict:
    """The pod's status after a container restart: restartCount + 1, lastState terminated, events."""
    pods = ctl.state.type("pods")
    now = now_iso()

    def restart(obj: dict) -> None:
        if obj["metadata"].get("uid") != uid:
            return  # another pod by that name now
        for status in obj["status"].get("containerStatuses", []):
            if status["name"] == container:
                started = status.get("state", {}).get("running", {}).get("startedAt", now)
                status["lastState"] = {"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": started,
                                                      "finishedAt": now}}
                status["restartCount"] = status.get("restartCount", 0) + 1
                status["state"] = {"running": {"startedAt": now}}
                status["ready"] = False
        for condition in obj["status"].get("conditions", []):
            if condition["type"] in ("Ready", "ContainersReady"):
                condition.update({"status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now})
    pod = ctl.store.mutate(pods, namespace, name, restart)
    ctl.record(pod, "Warning", "BackOff", f"Back-off restarting failed container {container} in pod {name}_{namespace}",
               "kubelet")
    ctl.record(pod, "Normal", "Started", f"Started container {container}", "kubelet")
    ctl._later(1.0, become_ready, ctl, namespace, name, uid)
    return pod


TERMINATING_SECONDS = 3.0
"""How long (real seconds) a deleted pod stays Terminating after its containers stopped."""


def delete_pod(ctl: Controllers, namespace: str, name: str, grace: int | None = None) -> dict:
    """DELETE a pod as a kubelet sees it: Terminating first, gone once its containers stopped.

    `grace` is the request's gracePeriodSeconds (None: the pod's terminationGracePeriodSeconds);
    0, a pod bound to no node or one that never started is removed at once.
    """
    pods = ctl.state.type("pods")
    pod = ctl.store.get(pods, namespace, name)
    if pod["metadata"].get("deletionTimestamp"):
        if grace == 0:
            return ctl.store.delete(pods, namespace, name, types=[])
        return pod
    if grace is None:
        grace = int(pod["spec"].get("terminationGracePeriodSeconds", 30))
    if grace <= 0 or not pod["spec"].get("nodeName") or not pod.get("status", {}).get("containerStatuses"):
        # No kubelet has it (unscheduled) or it never started: the API server deletes it now
        # (or, with finalizers, only marks it).
        return ctl.store.delete(pods, namespace, name, types=[])
    now = now_iso()
    uid = pod["metadata"]["uid"]

    def terminating(obj: dict) -> None:
        obj["metadata"]["deletionTimestamp"] = now
        obj["metadata"]["deletionGracePeriodSeconds"] = grace
        for status in obj["status"].get("containerStatuses", []):
            started = status.get("state", {}).get("running", {}).get("startedAt", now)
            status["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started,
                                              "finishedAt": now}}
            status["ready"] = False
            status["started"] = False
        for condition in obj["status"].get("conditions", []):
            if condition["type"] in ("Ready", "ContainersReady"):
                condition.update({"status": "False", "reason": "PodCompleted", "lastTransitionTime": now})
    ctl.state.logs.terminate_pod(namespace, name)
    pod = ctl.store.mutate(pods, namespace, name, terminating)
    for container in pod["spec"].get("containers", []):
        ctl.record(pod, "Normal", "Killing", f"Stopping container {container['name']}", "kubelet")

    def remove() -> None:
        current = ctl.store.find(pods, namespace, name)
        if current is not None and current["metadata"]["uid"] == uid:
            ctl.store.delete(pods, namespace, name, types=[])
    assert ctl.state.loop is not None
    ctl.state.loop.call_later(TERMINATING_SECONDS, ctl._guard, remove, ())
    return pod


def _env(container: dict) -> dict[str, str]:
    return {e["name"]: str(e.get("value", "")) for e in container.get("env", []) if "value" in e}


def startup_lines(pod: dict, container: dict) -> list[str]:
    """What a container prints when it starts (the Go service, Envoy, or a generic process)."""
    name = container["name"]
    stamp = time.strftime("%Y/%m/%d %H:%M:%S")
    if name == "istio-proxy":
        iso = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        return [f"{iso}\tinfo\tFLAG: --concurrency=\"2\"",
                f"{iso}\tinfo\tVersion 1.28.6-{ISTIO_SUFFIX}-Clean",
                f"{iso}\tinfo\txdsproxy\tInitializing with upstream address \"istiod.istio-system.svc:15012\"",
                f"{iso}\tinfo\tEnvoy proxy is ready"]
    env = _env(container)
    if "SERVICE_NAME" in env:
        return [f"{stamp} {env['SERVICE_NAME']} {env.get('VERSION', 'v1')} listening on :{env.get('PORT', '5000')}"]
    if "mysql" in container.get("image", ""):
        return [f"{time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime())} 0 [System] [MY-010931] [Server] "
                "/usr/sbin/mysqld: ready for connections. Version: '8.4.3'  socket: '/var/run/mysqld/mysqld.sock'  "
                "port: 3306  MySQL Community Server - GPL."]
    return [f"{stamp} {name} started"]


ISTIO_SUFFIX = "0123456789ab"
