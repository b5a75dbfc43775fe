"""Lines whose user regex timed out on the engine's threads are not silent: the summary counts and words them,
and the consumer is woken for it even when no line passed; pod/container names likewise (`targets_of`)."""

from __future__ import annotations

import threading

from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.services.log_model import regex_timeouts, slow_regex_note, targets_of
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import TailState
from meshtui.services.logs import LogEngine
from tests.conftest import SimCluster, api_client
from tests.services.log_oracle import post, wait

SLOW_RE = "(a|a)*$"
"""Exponential on a run of a's that does not end the text: never done within 0.05 s; any other text matches."""
SLOW = "a" * 40 + "!"


def test_lines_too_slow_to_match_are_counted_in_the_summary_and_wake_the_consumer(sim: SimCluster) -> None:
    pod = client.CoreV1Api(api_client(sim)).list_namespaced_pod("shop", label_selector="app=orders").items[0]
    name = pod.metadata.name
    woke = threading.Event()
    engine = LogEngine(KubeClient.connect(str(sim.kubeconfig)), LogQuery(
        namespace="shop", pod_name=name, containers="^orders$", tail=0, include=SLOW_RE), on_ready=woke.set).start()
    try:
        wait(lambda: len(engine.tails) == 1 and next(iter(engine.tails.values())).state is TailState.FOLLOWING,
             60, "the orders tail")
        assert engine.drain().summary.slow_regex == ""  # type: ignore[union-attr]
        woke.clear()
        post(sim, "/_sim/log", {"namespace": "shop", "pod": name, "container": "orders", "lines": [SLOW] * 3})
        wait(woke.is_set, 30, "the consumer woken though no line passed")
        wait(lambda: engine.summary().regex_timeouts == 3, 30, "three lines timed out")
        batch = engine.drain()
        assert batch.lines == []
        assert batch.summary is not None and batch.summary.slow_regex == (
            "regex too slow: 3 lines took over 0.05 s each and count as not matching; simplify it")
        post(sim, "/_sim/log", {"namespace": "shop", "pod": name, "container": "orders", "lines": ["kept", SLOW]})
        got: list[str] = []

        def kept() -> bool:
            got.extend(line.raw for line in engine.drain().lines)
            return "kept" in got
        wait(kept, 30, "the line that matched in time")
        assert got == ["kept"] and engine.summary().regex_timeouts == 4
    finally:
        engine.stop()


def test_pod_and_container_names_too_slow_to_match_are_counted_once_compiled() -> None:
    query = LogQuery(pod_pattern=SLOW_RE, containers=SLOW_RE).validate()
    assert query.pod_regex() is query.pod_regex() and query.line_filter() is query.line_filter()  # one, shared
    pod = {"metadata": {"name": SLOW, "namespace": "shop"},
           "spec": {"containers": [{"name": SLOW}]},
           "status": {"containerStatuses": [{"name": SLOW, "state": {"running": {}}}]}}
    assert targets_of(pod, query) == []
    assert regex_timeouts(query) == (0, 1)
    assert slow_regex_note(query) == ("regex too slow: 1 pod/container name took over 0.05 s each and count as not "
                                      "matching; simplify it")
    assert slow_regex_note(LogQuery(include="x").validate()) == ""
