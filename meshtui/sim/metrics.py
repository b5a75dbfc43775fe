"""metrics.k8s.io answers computed from the simulated load, in metrics-server's units.

CPU is reported in nanocores (`123456789n`) and memory as the working set in `Ki`,
as metrics-server serialises them; pods that are not Running are left out, and the
sidecar is its own container entry. Usage follows each pod's request rate.
"""

from __future__ import annotations

import hashlib
import time

from meshtui.sim.routing import SIDECAR
from meshtui.sim.state import SimState
from meshtui.sim.timefmt import now_iso

KI = 1024


def _jitter(key: str, spread: float) -> float:
    """Stable per-container variation that drifts slowly over time (deterministic)."""
    bucket = int(time.time() // 15)
    digest = hashlib.sha256(f"{key}/{bucket}".encode()).digest()
    return 1.0 + spread * ((digest[0] / 255.0) * 2 - 1)


def container_usage(state: SimState, namespace: str, pod: dict, container: dict) -> tuple[int, int]:
    """(nanocores, bytes) for one container."""
    name = container["name"]
    rate = state.load.rate.get((namespace, pod["metadata"]["name"]), 0.0)
    image = container.get("image", "")
    key = f"{namespace}/{pod['metadata']['name']}/{name}"
    if name == SIDECAR:
        cores = 0.003 + 0.0006 * rate
        memory = (42 + 0.08 * rate) * 1024 * KI
    elif "mysql" in image:
        cores = 0.008 + 0.0003 * rate
        memory = 380 * 1024 * KI
    elif any(part in image for part in ("etcd", "kube-apiserver")):
        cores, memory = 0.045, 310 * 1024 * KI
    elif "registry.k8s.io" in image or "kindest" in image:
        cores, memory = 0.004, 28 * 1024 * KI
    else:
        cores = 0.0015 + 0.0012 * rate
        memory = (18 + 0.05 * rate) * 1024 * KI
    return int(cores * 1e9 * _jitter(key + "c", 0.25)), int(memory * _jitter(key + "m", 0.05))


CPU_UNITS = ("n", "u", "m", "")
MEM_UNITS = ("Ki", "Mi", "Gi", "")


def _style(key: str, mixed: bool) -> int:
    return hashlib.sha256(key.encode()).digest()[0] % 4 if mixed else 0


def format_cpu(nanocores: int, style: int) -> str:
    """Nanocores in metrics-server's unit, or (mixed) in u, m or plain cores."""
    unit = CPU_UNITS[style]
    if unit == "n":
        return f"{nanocores}n"
    if unit == "u":
        return f"{nanocores // 1000}u"
    if unit == "m":
        return f"{nanocores // 1_000_000}m"
    return f"{nanocores / 1e9:.3f}"


def format_memory(value: int, style: int) -> str:
    unit = MEM_UNITS[style]
    if unit == "Ki":
        return f"{value // KI}Ki"
    if unit == "Mi":
        return f"{value // KI ** 2}Mi"
    if unit == "Gi":
        return f"{value / KI ** 3:.3f}Gi".rstrip("0").rstrip(".") if value % KI ** 3 else f"{value // KI ** 3}Gi"
    return str(value)


def _running(state: SimState, namespace: str | None) -> list[dict]:
    pods = state.store.list(state.type("pods"), namespace)
    return [p for p in pods if p.get("status", {}).get("phase") == "Running"]


def pod_metrics(state: SimState, namespace: str | None) -> list[dict]:
    items = []
    for pod in _running(state, namespace):
        meta = pod["metadata"]
        containers = []
        mixed = state.faults.metrics_units == "mixed"
        for container in pod["spec"].get("containers", []):
            cpu, mem = container_usage(state, meta["namespace"], pod, container)
            style = _style(f"{meta['name']}/{container['name']}", mixed)
            containers.append({"name": container["name"], "usage": {"cpu": format_cpu(cpu, style),
                                                                    "memory": format_memory(mem, style)}})
        items.append({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {"name": meta["name"], "namespace": meta["namespace"],
                                   "labels": dict(meta.get("labels", {})), "creationTimestamp": now_iso()},
                      "timestamp": now_iso(), "window": "15.012s", "containers": containers})
    return items


def node_metrics(state: SimState) -> list[dict]:
    per_node: dict[str, list[int]] = {}
    for pod in _running(state, None):
        node = pod["spec"].get("nodeName")
        if not node:
            continue
        total = per_node.setdefault(node, [0, 0])
        for container in pod["spec"].get("containers", []):
            cpu, mem = container_usage(state, pod["metadata"]["namespace"], pod, container)
            total[0] += cpu
            total[1] += mem
    items = []
    for node in state.store.list(state.type("nodes")):
        name = node["metadata"]["name"]
        cpu, mem = per_node.get(name, [0, 0])
        cpu += int(0.06e9 * _jitter(name + "sys", 0.2))  # kubelet, containerd, systemd in the node container
        mem += 450 * 1024 * KI
        items.append({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {"name": name, "labels": dict(node["metadata"].get("labels", {})),
                                   "creationTimestamp": now_iso()},
                      "timestamp": now_iso(), "window": "20.03s",
                      "usage": {"cpu": format_cpu(cpu, _style(name, state.faults.metrics_units == "mixed")),
                                "memory": format_memory(mem, _style(name, state.faults.metrics_units == "mixed"))}})
    return items
