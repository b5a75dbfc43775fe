"""The oracle for log delivery tests: what each container instance wrote, from the sim itself.

A scenario floods the catalog pods while streams are cut every N lines, API calls fail
and are slow; it crashes one pod, deletes another and scales a deployment up and down
during the follow. The truth per container instance comes from the sim's own record
(`GET /_sim/log`, `/_sim/stats`), never from the log API the product reads. A consumer
(the engine, `meshtui logs`, the TUI) hands over what it delivered as
`{(pod, container): [(instance, text, is_marker), ...]}` in arrival order.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from meshtui.sim import SimCluster
from tests.conftest import api_client

Delivered = dict[tuple[str, str], list[tuple[int, str, bool]]]
T = TypeVar("T")
NS = "shop"


def post(sim: SimCluster, path: str, body: dict) -> dict:
    request = urllib.request.Request(sim.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def get(sim: SimCluster, path: str) -> dict:
    with urllib.request.urlopen(sim.url + path, timeout=30) as response:
        return json.loads(response.read())


def node_log(sim: SimCluster, pod: str, container: str) -> dict[int, list[str]]:
    """What the node holds for this container, per instance (the previous and the current one)."""
    data = get(sim, f"/_sim/log?namespace={NS}&pod={pod}&container={container}")
    return {i["instance"]: [text for _, text in i["entries"]] for i in data["instances"]}


def retried(call: Callable[..., T], *args: object, **kwargs: object) -> T:
    """The test's own API calls meet the injected 500s too: retry them (the product is what is tested)."""
    for _ in range(50):
        try:
            return call(*args, **kwargs)
        except ApiException as exc:
            if exc.status < 500:
                raise
            time.sleep(0.05)
    raise AssertionError("the API kept failing")


def wait(condition: Callable[[], bool], timeout: float, what: str, detail: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} {detail()}")


@dataclass
class Scenario:
    """Faults and events during a follow of the catalog pods' `catalog` containers."""

    drop_after: int
    error_rate: float = 0.2
    latency_ms: int = 0
    lines: int = 300
    rate: int = 150
    crash: bool = True
    delete: bool = True
    scale: bool = True
    scale_lines: int = 25
    truth: dict[tuple[str, str], dict[int, list[str]]] = field(default_factory=dict)
    pods: list[str] = field(default_factory=list)

    def run(self, sim: SimCluster, delivered: Callable[[], Delivered], timeout: float = 120) -> Delivered:
        core, apps = client.CoreV1Api(api_client(sim)), client.AppsV1Api(api_client(sim))
        sim.set_faults(drop_log_streams_after=self.drop_after, api_error_rate=self.error_rate,
                       api_latency_ms=self.latency_ms)
        flood = post(sim, "/_sim/flood", {"namespace": NS, "selector": "app=catalog", "container": "catalog",
                                          "lines": self.lines, "rate": self.rate})
        self.pods = sorted(flood["pods"])
        per_pod = self.lines // len(self.pods)

        def written(pod: str) -> int:
            return get(sim, "/_sim/stats")["log_lines"].get(f"{NS}/{pod}/catalog", 0)
        if self.crash:
            wait(lambda: written(self.pods[0]) >= per_pod // 3, 60, "a third of the flood")
            post(sim, "/_sim/crash", {"namespace": NS, "pod": self.pods[0], "container": "catalog"})
        if self.delete:
            wait(lambda: written(self.pods[1]) >= 2 * per_pod // 3, 60, "two thirds of the flood")
            retried(core.delete_namespaced_pod, self.pods[1], NS)  # graceful: Terminating, then gone
            self.truth[(self.pods[1], "catalog")] = node_log(sim, self.pods[1], "catalog")
        if self.scale:
            self._scale(sim, core, apps, delivered)
        wait(lambda: get(sim, "/_sim/stats")["floods_running"] == 0, 120, "the flood to finish")
        for pod in self.pods:
            if (pod, "catalog") not in self.truth:
                self.truth[(pod, "catalog")] = node_log(sim, pod, "catalog")
        counts = get(sim, "/_sim/stats")["log_instances"]
        for (pod, container), instances in self.truth.items():
            for row in counts[f"{NS}/{pod}/{container}"]:
                if row["instance"] in instances:  # the node kept every line: the truth is complete
                    assert row["rotated"] == 0 and row["lines"] == len(instances[row["instance"]]), row
        wait(lambda: self.complete(delivered()), timeout, "every line delivered", lambda: self.progress(delivered()))
        return self._settle(sim, delivered)

    def _scale(self, sim: SimCluster, core: client.CoreV1Api, apps: client.AppsV1Api,
               delivered: Callable[[], Delivered]) -> None:
        deploy = self.pods[2].rsplit("-", 2)[0]
        before = set(self._names(core))
        retried(apps.patch_namespaced_deployment_scale, deploy, NS, {"spec": {"replicas": 2}})
        wait(lambda: any(p.status.container_statuses for p in self._pods(core) if p.metadata.name not in before),
             60, "the scaled-up pod to run")
        new = next(name for name in self._names(core) if name not in before)
        post(sim, "/_sim/log", {"namespace": NS, "pod": new, "container": "catalog",
                                "lines": [f"scaled {new} {i}" for i in range(self.scale_lines)]})
        # The scaled-down pod is gone 3 s after it turns Terminating (as a pod that drains fast): reading its
        # lines through the faulted channel first keeps the test about exactly-once, not about a busy
        # machine's speed (a tail too slow for the deadline reports a gap, which would fail it).
        wait(lambda: sum(1 for _, text, m in delivered().get((new, "catalog"), [])
                         if not m and text.startswith(f"scaled {new} ")) >= self.scale_lines,
             90, "the scaled-up pod's lines read")
        retried(apps.patch_namespaced_deployment_scale, deploy, NS, {"spec": {"replicas": 1}})
        wait(lambda: any(p.metadata.name == new and p.metadata.deletion_timestamp for p in self._pods(core))
             or new not in self._names(core), 60, "the scale-down")
        self.truth[(new, "catalog")] = node_log(sim, new, "catalog")
        self.pods.append(new)

    @staticmethod
    def _pods(core: client.CoreV1Api) -> list:  # type: ignore[type-arg]
        return retried(core.list_namespaced_pod, NS, label_selector="app=catalog").items

    def _names(self, core: client.CoreV1Api) -> list[str]:
        return [p.metadata.name for p in self._pods(core)]

    def _settle(self, sim: SimCluster, delivered: Callable[[], Delivered]) -> Delivered:
        """Faults off, one sentinel line per live container; once they arrive nothing else is in flight."""
        sim.set_faults(drop_log_streams_after=0, api_error_rate=0, api_latency_ms=0)
        live = [p.metadata.name for p in self._pods(client.CoreV1Api(api_client(sim)))
                if not p.metadata.deletion_timestamp and p.metadata.name in self.pods]
        for pod in live:
            post(sim, "/_sim/log", {"namespace": NS, "pod": pod, "container": "catalog", "lines": [f"sentinel {pod}"]})
            self.truth[(pod, "catalog")] = node_log(sim, pod, "catalog")

        def arrived() -> bool:
            got = delivered()
            return all(any(text == f"sentinel {pod}" for _, text, _ in got.get((pod, "catalog"), [])) for pod in live)
        wait(arrived, 60, "the sentinel lines")
        return delivered()

    def complete(self, got: Delivered) -> bool:
        """Every container instance has at least as many lines as it wrote (more would be duplicates)."""
        return all(sum(1 for x, _, m in got.get(key, []) if x == instance and not m) >= len(lines)
                   for key, instances in self.truth.items() for instance, lines in instances.items())

    def progress(self, got: Delivered) -> str:
        """Per container instance: delivered / written (for a failure message)."""
        return "; ".join(f"{pod[-11:]} #{i}: {sum(1 for x, _, m in got.get((pod, c), []) if x == i and not m)}"
                         f"/{len(lines)}" for (pod, c), instances in self.truth.items() for i, lines in instances.items())

    def check(self, got: Delivered) -> None:
        """0 lost, 0 duplicated, in order, per container instance; one marker per restart, in place."""
        for key, instances in self.truth.items():
            entries = got.get(key, [])
            order = [instance for instance, _, _ in entries]
            assert order == sorted(order), f"{key}: instances out of order"
            for instance, lines in instances.items():
                have = [text for i, text, marker in entries if i == instance and not marker]
                assert len(have) == len(lines), f"{key} #{instance}: delivered {len(have)} of {len(lines)} lines"
                assert have == lines, f"{key} #{instance}: lines differ from what the container wrote"
            markers = [i for i, _, marker in entries if marker]
            assert markers == sorted(instances)[1:], f"{key}: restart markers {markers}"


def scenario_for(drop_after: int) -> Scenario:
    """A fresh scenario per consumer (it records the truth it finds). Rates stay well under what the faulted
    channel carries (N lines per round trip of 300+ ms): a follower that cannot keep up is physics, not a lost line.
    20 % API errors throughout; 300 ms latency where N leaves room for it."""
    return {
        1: lambda: Scenario(drop_after=1, lines=45, rate=15, latency_ms=0, scale_lines=3),
        7: lambda: Scenario(drop_after=7, lines=300, rate=30, latency_ms=300),
        13: lambda: Scenario(drop_after=13, lines=600, rate=150, latency_ms=0),
        97: lambda: Scenario(drop_after=97, lines=3000, rate=300, latency_ms=300),
    }[drop_after]()


CUTS = (1, 7, 13, 97)
"""Streams cut every N lines, for N in these (issue 13)."""
