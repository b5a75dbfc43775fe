"""Usage with 10 node containers: time to the first complete sample, then the steady cost.

Ten kind-labelled busybox containers (half of them busy) on the real Docker engine.
Goal: first sample < 2.5 s; each refresh < 1.2 s using < 5 % of a core (the background
stats readers included). Run: .venv/bin/python -m benchmarks.usage_nodes
"""

from __future__ import annotations

import statistics
import time
import uuid

import docker
import psutil

from benchmarks.common import report
from meshtui.adapters.docker_engine import DockerEngine
from meshtui.services.usage import UsageService

IMAGE = "meshtui-busybox:local"
NODES = 10
INTERVAL = 2.0
DURATION = 30.0


def main() -> None:
    client = docker.from_env()
    cluster = f"bench-{uuid.uuid4().hex[:6]}"
    containers = []
    try:
        for i in range(NODES):
            command = ["sh", "-c", "while :; do :; done"] if i % 2 == 0 else ["sleep", "3600"]
            c = client.containers.create(IMAGE, command, name=f"{cluster}-worker{i}", network_mode="none",
                                         nano_cpus=100_000_000, labels={"io.x-k8s.kind.cluster": cluster,
                                                                        "io.x-k8s.kind.role": "worker"})
            c.start()
            containers.append(c)
        time.sleep(1)
        started = time.perf_counter()
        service = UsageService(None, DockerEngine(timeout=10), cluster=cluster, provider="kind")
        first = service.first_complete(timeout=10)
        first_seconds = time.perf_counter() - started
        complete = sum(1 for c in first.containers if c.cpu_percent is not None)
        process = psutil.Process()
        cpu_before, wall_before = sum(process.cpu_times()[:2]), time.perf_counter()
        costs = []
        while time.perf_counter() - wall_before < DURATION:
            t = time.perf_counter()
            service.sample()
            costs.append(time.perf_counter() - t)
            time.sleep(INTERVAL)
        cpu = (sum(process.cpu_times()[:2]) - cpu_before) / (time.perf_counter() - wall_before) * 100
        service.close()
        report("usage_nodes", {
            "node containers": NODES, "first complete sample (s)": round(first_seconds, 2),
            "containers with CPU % in it": complete,
            "refresh wall time p50/max (s)": [round(statistics.median(costs), 3), round(max(costs), 3)],
            "CPU of this process at one refresh per 2 s, readers included (% of a core)": round(cpu, 1),
            "goals": {"first sample": "< 2.5 s", "refresh": "< 1.2 s", "cpu": "< 5 %"}})
    finally:
        for c in containers:
            c.remove(force=True)


if __name__ == "__main__":
    main()
