"""Exactly once per container instance, whatever fails: the engine against the sim over real HTTP.

Streams are cut every N lines (1, 7, 13, 97), 20 % of API calls answer 500, calls are
slow (300 ms); a pod crashes, another is deleted, a deployment is scaled up and down,
all during the follow. Delivered lines are compared with the sim's own record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from meshtui.adapters.kube import KubeClient
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import TailState
from meshtui.services.logs import LogEngine
from meshtui.sim import SimCluster, kubeconfig_yaml
from tests.conftest import SimFactory
from tests.fakes.relay import Relay
from tests.services.log_oracle import CUTS, Delivered, get, node_log, post, scenario_for, wait


class Collector:
    """Drains an engine in a thread, as the CLI does."""

    def __init__(self, engine: LogEngine) -> None:
        self.engine = engine
        self.got: Delivered = {}
        self.notices: list[str] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        engine.on_ready = self._ready.set
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._ready.wait(0.2)
            self._ready.clear()
            batch = self.engine.drain()
            with self._lock:
                for line in batch.lines:
                    self.got.setdefault((line.pod, line.container), []).append(
                        (line.instance, line.raw, line.marker is not None))
                self.notices += [n.kind for n in batch.notices]

    def delivered(self) -> Delivered:
        with self._lock:
            return {k: list(v) for k, v in self.got.items()}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


@contextmanager
def one_tail(sim: SimCluster, query: LogQuery) -> Iterator[tuple[LogEngine, Collector, str]]:
    """An engine following the one container `query` selects, drained by a collector; stopped after."""
    engine = LogEngine(KubeClient.connect(str(sim.kubeconfig)), query, drop_when_full=False)
    collector = Collector(engine)
    engine.start()
    try:
        wait(lambda: len(engine.tails) == 1 and next(iter(engine.tails.values())).state is TailState.FOLLOWING,
             30, "the tail")
        yield engine, collector, next(iter(engine.tails))[1]
    finally:
        collector.close()
        engine.stop()


def write(sim: SimCluster, pod: str, lines: list[str]) -> None:
    """Lines the `catalog` container of `pod` writes (its current instance)."""
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog", "lines": lines})


def crash(sim: SimCluster, pod: str) -> None:
    post(sim, "/_sim/crash", {"namespace": "shop", "pod": pod, "container": "catalog"})


def lines_of(collector: Collector, pod: str, instance: int) -> list[str]:
    """The log lines (not markers) delivered for one instance of the `catalog` container."""
    return [t for i, t, m in collector.delivered().get((pod, "catalog"), []) if i == instance and not m]


@pytest.mark.parametrize("drop_after", CUTS)
def test_exactly_once_per_instance_under_faults(sim_factory: SimFactory, drop_after: int) -> None:
    sim = sim_factory()
    scenario = scenario_for(drop_after)
    engine = LogEngine(KubeClient.connect(str(sim.kubeconfig)),
                       LogQuery(namespace="shop", selector="app=catalog", containers="^catalog$", tail=-1),
                       drop_when_full=False, capacity=1_000_000)
    collector = Collector(engine)
    engine.start()
    try:
        wait(lambda: len(engine.tails) == 3 and all(t.state is TailState.FOLLOWING for t in engine.tails.values()),
             30, "three following tails")
        got = scenario.run(sim, collector.delivered)
        scenario.check(got)
        assert engine.stats()["reconnects"] > 0 and engine.stats()["gaps"] == 0
        assert "restarted" in collector.notices and "reconnected" in collector.notices
        deleted = [t for t in engine.tails.values() if t.pod == scenario.pods[1]]
        wait(lambda: all(t.state is TailState.ENDED for t in deleted), 30, "the deleted pod's tail to end")
    finally:
        collector.close()
        engine.stop()


def test_rotated_lines_are_a_reported_gap_never_silent(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    query = LogQuery(namespace="shop", pod_pattern="^orders", containers="^orders$", tail=0)
    with one_tail(sim, query) as (engine, collector, pod):
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "lines": [f"before {i}" for i in range(5)]})
        wait(lambda: len(collector.delivered().get((pod, "orders"), [])) == 5, 30, "the first lines")
        sim.set_faults(api_error_rate=1.0)  # the next reconnect cannot happen
        sim.set_faults(drop_log_streams_after=1)
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "lines": ["cut here"]})  # the stream is cut first
        wait(lambda: next(iter(engine.tails.values())).state is TailState.RECONNECTING, 30, "the cut")
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "lines": [f"lost {i}" for i in range(40)]})
        post(sim, "/_sim/rotate", {"namespace": "shop", "pod": pod, "keep": 10})
        sim.set_faults(api_error_rate=0, drop_log_streams_after=0)
        wait(lambda: engine.stats()["gaps"] == 1, 30, "the gap to be reported")
        wait(lambda: len(collector.delivered()[(pod, "orders")]) == 5 + 10, 30, "the lines after the gap")
        texts = [text for _, text, _ in collector.delivered()[(pod, "orders")]]
        assert texts == [f"before {i}" for i in range(5)] + [f"lost {i}" for i in range(30, 40)]
        assert "gap" in collector.notices


def test_tail_zero_resumes_after_a_cut_without_old_lines(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    query = LogQuery(namespace="shop", pod_pattern="^ratings-v1", containers="^ratings$", tail=0)
    with one_tail(sim, query) as (engine, collector, pod):
        sim.set_faults(drop_log_streams_after=2)
        for i in range(10):
            post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "lines": [f"new {i}"]})
            time.sleep(0.01)  # spread the lines over several streams
        wait(lambda: len(collector.delivered().get((pod, "ratings"), [])) >= 10, 30, "ten lines")
        sim.set_faults(drop_log_streams_after=0)
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "lines": ["done"]})
        wait(lambda: collector.delivered()[(pod, "ratings")][-1][1] == "done", 30, "the last line")
        texts = [text for _, text, _ in collector.delivered()[(pod, "ratings")]]
        assert texts == [f"new {i}" for i in range(10)] + ["done"]  # no startup line: --tail 0 means new only


def test_rotation_before_the_first_delivered_line_is_a_reported_gap(sim_factory: SimFactory) -> None:
    """A tail that has delivered nothing yet (`--tail 0`, a quiet pod) and whose lines rotate away
    while it is cut still says so: it has no delivered line to look for, but it knows where it began."""
    sim = sim_factory()
    query = LogQuery(namespace="shop", pod_pattern="^catalog-v3", containers="^catalog$", tail=0)
    with one_tail(sim, query) as (engine, collector, pod):
        sim.set_faults(api_error_rate=1.0, drop_log_streams_after=1)
        write(sim, pod, [f"rot {i}" for i in range(6)])
        wait(lambda: next(iter(engine.tails.values())).state is TailState.RECONNECTING, 30, "the cut")
        post(sim, "/_sim/rotate", {"namespace": "shop", "pod": pod, "container": "catalog", "keep": 2})
        sim.set_faults(api_error_rate=0, drop_log_streams_after=0)
        wait(lambda: engine.stats()["gaps"] == 1, 30, "the gap to be reported")
        wait(lambda: len(collector.delivered().get((pod, "catalog"), [])) >= 1, 30, "the lines after the gap")
        texts = [text for _, text, _ in collector.delivered()[(pod, "catalog")]]
        assert texts[-2:] == ["rot 4", "rot 5"] and "rot 0" not in texts
        assert "gap" in collector.notices


def test_a_restart_while_the_previous_instance_is_read_is_a_gap_never_mislabelled(sim_factory: SimFactory) -> None:
    """The tail is behind, reading a crashed instance through `previous=true`, when the container crashes
    again: `previous=true` now serves the next instance. Nothing of it may be delivered under the old
    instance's label (and again after the restart marker); what the node dropped is a reported gap."""
    sim = sim_factory()
    query = LogQuery(namespace="shop", pod_pattern="^catalog-v2", containers="^catalog$", tail=0)
    with one_tail(sim, query) as (engine, collector, pod):
        sim.set_faults(drop_log_streams_after=3, api_latency_ms=200)  # the tail reads 3 lines a round trip

        def mine(instance: int) -> list[str]:
            return lines_of(collector, pod, instance)
        write(sim, pod, [f"first {i}" for i in range(60)])
        wait(lambda: len(mine(0)) >= 6, 60, "the first lines")
        crash(sim, pod)
        write(sim, pod, [f"second {i}" for i in range(20)])
        at_crash = len(mine(0))
        wait(lambda: len(mine(0)) >= at_crash + 2, 60, "the previous instance being read")
        crash(sim, pod)
        truth = node_log(sim, pod, "catalog")  # instances 1 (previous) and 2; instance 0 is gone from the node
        sim.set_faults(drop_log_streams_after=0, api_latency_ms=0)
        wait(lambda: len(mine(2)) >= len(truth[2]), 60, "the newest instance")
        first = [f"first {i}" for i in range(60)] + ["panic: simulated crash (Error, exit code 1)"]
        assert mine(0) == first[:len(mine(0))] and len(mine(0)) < len(first)  # ours only, in order, then the gap
        assert mine(1) == truth[1] and mine(2) == truth[2]  # each once, under its own label
        markers = [i for i, _, m in collector.delivered()[(pod, "catalog")] if m]
        assert markers == [1, 2]
        assert collector.notices.count("gap") == 1 and engine.stats()["gaps"] == 1


@pytest.mark.parametrize("drop_after", [0, 2])
def test_a_restart_the_pods_status_does_not_show_yet_is_still_a_restart(sim_factory: SimFactory,
                                                                       drop_after: int) -> None:
    """A kubelet serves the new instance's log at once and reports the restart after its next relist: a
    tail that resumes meanwhile finds its last line in `previous=true`, not in the current log. That is a
    restart, not a rotation: no gap, nothing of the new instance under the old label, nothing twice."""
    sim = sim_factory()
    query = LogQuery(namespace="shop", pod_pattern="^catalog-v3", containers="^catalog$", tail=0)
    with one_tail(sim, query) as (engine, collector, pod):

        def mine(instance: int) -> list[str]:
            return lines_of(collector, pod, instance)
        sim.set_faults(status_lag_ms=1500, drop_log_streams_after=drop_after)
        write(sim, pod, [f"old {i}" for i in range(8)])
        wait(lambda: len(mine(0)) == 8, 30, "the first lines")
        crash(sim, pod)
        write(sim, pod, [f"new {i}" for i in range(8)])
        truth = node_log(sim, pod, "catalog")
        wait(lambda: len(mine(1)) >= len(truth[1]), 30, "the new instance's lines")
        sim.set_faults(drop_log_streams_after=0)
        write(sim, pod, ["last"])
        wait(lambda: mine(1)[-1:] == ["last"], 30, "the last line")
        assert mine(0) == [f"old {i}" for i in range(8)] + ["panic: simulated crash (Error, exit code 1)"]
        assert mine(1) == truth[1] + ["last"]
        assert [i for i, _, m in collector.delivered()[(pod, "catalog")] if m] == [1]
        assert engine.stats()["gaps"] == 0 and "gap" not in collector.notices


@pytest.mark.parametrize("second", ["at once", "while the tail waits for the status"])
def test_two_restarts_the_status_shows_late_never_put_one_instance_under_another(sim_factory: SimFactory,
                                                                                 second: str) -> None:
    """The tail is behind when the container crashes twice before the pod's status says so (a reviewer's
    repro: 27 lines of #11 delivered as #10, then again as #11, and a rotation reported that never
    happened). The logs alone must not be taken for a rotation: each instance's lines exactly once under
    its own label; what the node no longer holds is a gap, said once."""
    sim = sim_factory()
    query = LogQuery(namespace="shop", pod_pattern="^catalog-v1", containers="^catalog$", tail=0)
    with one_tail(sim, query) as (engine, collector, pod):
        tail = next(iter(engine.tails.values()))

        def mine(instance: int) -> list[str]:
            return lines_of(collector, pod, instance)
        sim.set_faults(status_lag_ms=4000, drop_log_streams_after=3, api_latency_ms=150)
        write(sim, pod, [f"a {i}" for i in range(60)])
        wait(lambda: len(mine(0)) >= 3, 60, "the tail to be reading")
        crash(sim, pod)
        write(sim, pod, [f"b {i}" for i in range(30)])
        first = node_log(sim, pod, "catalog")[0]  # instance 0 as it ended (gone from the node at the next crash)
        first = first[first.index("a 0"):]  # the tail started after the start-up lines (tail=0)
        if second != "at once":
            wait(lambda: tail.state is TailState.WAITING, 60, "the tail to wait for the status")
        crash(sim, pod)
        write(sim, pod, [f"c {i}" for i in range(10)])
        truth = node_log(sim, pod, "catalog")  # instances 1 (previous) and 2
        sim.set_faults(drop_log_streams_after=0, api_latency_ms=0)
        wait(lambda: len(mine(2)) >= len(truth[2]), 90, "the newest instance",
             lambda: f"delivered {[(i, t) for i, t, _ in collector.delivered().get((pod, 'catalog'), [])][-8:]}")
        got = mine(0)
        assert got == first[:len(got)], "instance 0: ours only, in order"
        assert mine(1) == truth[1] and mine(2) == truth[2], "each once, under its own label"
        assert [i for i, _, m in collector.delivered()[(pod, "catalog")] if m] == [1, 2]
        assert engine.stats()["gaps"] == (0 if got == first else 1) == collector.notices.count("gap")


class CrashingRelay(Relay):
    """A relay to the sim that crashes the container just before it forwards, once armed, a follow read that
    comes after a look at the log's start: the crash lands between the tail's look and its next read."""

    def __init__(self, sim: SimCluster, pod: str) -> None:
        self.sim, self.pod = sim, pod
        self.armed, self.fired = threading.Event(), threading.Event()
        self.looked = False
        super().__init__(int(sim.url.rsplit(":", 1)[1]))

    def forwarding(self, method: str, target: str) -> None:
        if f"/pods/{self.pod}/log?" not in target:
            return
        if "limitBytes=" in target:
            self.looked = True  # the tail looks at the log's first stamp around a read after its last line
        elif "follow=true" in target:
            if self.armed.is_set() and self.looked and not self.fired.is_set():
                crash(self.sim, self.pod)
                self.fired.set()
            self.looked = False


def test_a_read_resumed_after_its_last_line_is_checked_against_the_logs_not_only_the_status(
        sim_factory: SimFactory, tmp_path: Path) -> None:
    """Cut after every line, each read resumes just after the line it showed, so no line vouches for the
    instance; the pod is asked instead, and its status lags the restart. A crash between the tail's look at
    the log and its next read gave the next instance's lines under the old number, then again under the new
    one (a reviewer's run). The logs are asked as well."""
    sim = sim_factory()
    pods = [p["metadata"]["name"] for p in get(sim, "/api/v1/namespaces/shop/pods")["items"]]
    pod = next(name for name in pods if name.startswith("catalog-v2"))
    relay = CrashingRelay(sim, pod)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(kubeconfig_yaml(f"http://127.0.0.1:{relay.port}"))
    query = LogQuery(namespace="shop", pod_pattern="^catalog-v2", containers="^catalog$", tail=0)
    engine = LogEngine(KubeClient.connect(str(kubeconfig)), query, drop_when_full=False)
    collector = Collector(engine)
    engine.start()
    try:
        wait(lambda: len(engine.tails) == 1 and next(iter(engine.tails.values())).state is TailState.FOLLOWING,
             30, "the tail")
        sim.set_faults(drop_log_streams_after=1, status_lag_ms=5000)
        write(sim, pod, [f"old {i}" for i in range(12)])
        wait(lambda: len(lines_of(collector, pod, 0)) >= 4, 60, "the read under way")
        relay.armed.set()
        wait(relay.fired.is_set, 30, "the crash between a look and a read")
        write(sim, pod, [f"new {i}" for i in range(10)])
        truth = node_log(sim, pod, "catalog")
        wait(lambda: len(lines_of(collector, pod, 1)) >= len(truth[1]), 120, "the new instance",
             lambda: f"delivered {[(i, t) for i, t, _ in collector.delivered().get((pod, 'catalog'), [])][-6:]}")
        old = truth[0][truth[0].index("old 0"):]  # the tail started after the start-up lines (tail=0)
        assert lines_of(collector, pod, 0) == old, "ours, all of it, once"
        assert lines_of(collector, pod, 1) == truth[1], "the next, once, under its own number"
        assert engine.stats()["gaps"] == 0
    finally:
        collector.close()
        engine.stop()
        relay.close()
