"""The log engine follows at most `max_streams` containers at once, over the sim: threads and streams are
bounded, the first ones in namespace/pod/container order are followed, and freed slots go to waiting ones."""

from __future__ import annotations

import threading

from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.services.log_query import LogQuery, parse_query
from meshtui.services.log_reader import TailState
from meshtui.services.logs import LogEngine
from tests.conftest import SimCluster, api_client
from tests.services.log_oracle import post, wait

PODS = 300
CAP = 20
SPARE_THREADS = 6
"""Threads an engine runs besides its tails: the start thread, the pods feed, and some slack for the sim."""


def live(engine: LogEngine) -> list[tuple[str, str, str, str]]:
    return sorted(key for key, tail in list(engine.tails.items()) if not tail.finished.is_set())


def test_follow_is_bounded_and_freed_slots_go_to_waiting_matches(sim: SimCluster) -> None:
    post(sim, "/_sim/pods", {"namespace": "load", "pods": PODS})
    kube = KubeClient.connect(str(sim.kubeconfig))
    before = threading.active_count()
    engine = LogEngine(kube, LogQuery(namespace="load", max_streams=CAP)).start()
    try:
        wait(lambda: engine.summary().queued == PODS - CAP and len(live(engine)) == CAP
             and all(t.state is TailState.FOLLOWING for t in engine.tails.values()), 60,
             "the first 20 followed, the rest queued", lambda: str(engine.stats()["streams"]))
        assert [key[1] for key in live(engine)] == [f"load-{i:05d}" for i in range(CAP)]  # stable order
        assert len(engine.tails) == CAP
        assert threading.active_count() - before <= CAP + SPARE_THREADS
        summary = engine.summary()
        assert (summary.live, summary.matched, summary.cap) == (CAP, PODS, CAP)
        got: set[str] = set()

        def each_said() -> bool:
            got.update(line.pod for line in engine.drain().lines)
            return len(got) >= CAP
        wait(each_said, 30, "a line from each followed pod")
        assert got == {f"load-{i:05d}" for i in range(CAP)}

        core = client.CoreV1Api(api_client(sim))
        for i in range(5):
            core.delete_namespaced_pod(f"load-{i:05d}", "load", grace_period_seconds=0)
        wanted = [f"load-{i:05d}" for i in range(5, CAP + 5)]
        wait(lambda: [key[1] for key in live(engine)] == wanted, 60, "the next five in order take the freed slots",
             lambda: str([key[1] for key in live(engine)]))
        assert engine.summary().queued == PODS - CAP - 5
        assert threading.active_count() - before <= CAP + SPARE_THREADS
    finally:
        engine.stop()


def test_the_query_box_and_the_engine_default() -> None:
    query = parse_query("-n load --max-log-requests 7")
    assert query.max_streams == 7 and "--max-log-requests 7" in query.describe()
    assert parse_query(query.describe()) == query
    for bad in ("0", "-3", "abc", "10001"):
        try:
            parse_query(f"-n load --max-log-requests {bad}")
        except Exception as exc:
            assert "--max-log-requests must be 1 to 10,000 containers" in str(exc), exc
        else:
            raise AssertionError(f"--max-log-requests {bad} was accepted")


def test_the_default_cap_bounds_streams_and_threads(sim: SimCluster) -> None:
    post(sim, "/_sim/pods", {"namespace": "load", "pods": 150})
    kube = KubeClient.connect(str(sim.kubeconfig))
    before = threading.active_count()
    engine = LogEngine(kube, LogQuery(namespace="load")).start()
    try:
        wait(lambda: len(engine.tails) >= 100 and engine.summary().matched == 150, 60, "the first 100 followed",
             lambda: str(len(engine.tails)))
        assert len(live(engine)) == len(engine.tails) == 100
        assert threading.active_count() - before <= 100 + SPARE_THREADS
    finally:
        engine.stop()
