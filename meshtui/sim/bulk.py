"""Load generators for benchmarks: thousands of ready pods at once, and steady pod churn.

Pods are written straight into the store (already scheduled, Running and Ready) so a
benchmark measures the client, not the simulated kubelet. Churn bumps one container's
restartCount per event, which a client shows in its RESTARTS column.
"""

from __future__ import annotations

import asyncio
import time

from meshtui.sim.state import SimState
from meshtui.sim.timefmt import now_iso


def create_running_pods(state: SimState, namespace: str, count: int, app: str) -> list[str]:
    store, namespaces, pods = state.store, state.type("namespaces"), state.type("pods")
    if not store.namespace_exists(namespace, namespaces):
        store.create(namespaces, None, {"metadata": {"name": namespace}})
    nodes = [n["metadata"]["name"] for n in store.list(state.type("nodes"))] or ["node"]
    now = now_iso()
    names = []
    for i in range(count):
        name = f"{app}-{i:05d}"
        pod = {"metadata": {"name": name, "labels": {"app": app, "version": f"v{i % 3 + 1}"}},
               "spec": {"nodeName": nodes[i % len(nodes)], "containers": [{"name": "app", "image": "load:v1"}]}}
        created = store.create(pods, namespace, pod, namespaces=namespaces)

        def run(obj: dict, index: int = i) -> None:
            obj["status"] = {"phase": "Running", "podIP": f"10.250.{index // 250}.{index % 250}", "startTime": now,
                             "conditions": [{"type": "Ready", "status": "True"}],
                             "containerStatuses": [{"name": "app", "image": "load:v1", "imageID": "load@sha256:0",
                                                    "ready": True, "restartCount": 0,
                                                    "state": {"running": {"startedAt": now}}}]}
        store.mutate(pods, namespace, created["metadata"]["name"], run)
        state.logs.write(namespace, name, "app", [f"{name} started"])
        names.append(name)
    return names


async def run_churn(state: SimState, namespace: str, rate: float, seconds: float) -> None:
    pods_rt = state.type("pods")
    names = [p["metadata"]["name"] for p in state.store.list(pods_rt, namespace)]
    if not names or rate <= 0:
        return
    counts = {name: 0 for name in names}
    started = time.monotonic()
    sent = 0
    index = 0
    while time.monotonic() - started < seconds:
        due = int((time.monotonic() - started) * rate)
        while sent < due:
            name = names[index % len(names)]
            index += 1
            counts[name] += 1
            value = counts[name]

            def bump(obj: dict, v: int = value) -> None:
                obj["status"]["containerStatuses"][0]["restartCount"] = v
            if state.store.find(pods_rt, namespace, name) is not None:
                state.store.mutate(pods_rt, namespace, name, bump)
                state.churn_log.append([name, value, time.time()])
            sent += 1
        await asyncio.sleep(0.005)
