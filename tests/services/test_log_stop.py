"""A stopped log engine lets go of everything: no tail, stream or pod feed keeps running after `stop()`.

The engine makes its pod feed and its tails on other threads, and a tail opens and nests
responses on its own; `stop()` can land at any moment of that. Each test puts the stop at
one such moment (the only way to reach it every run rather than once in a few) and waits
for what a user would see: the threads end, nothing keeps the engine alive. A tail left
running holds the engine (its callbacks) and a connection for as long as the process lives.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import pytest

from meshtui.adapters.kube import KubeClient, path_for
from meshtui.services import logs
from meshtui.services.feed import FeedState, ResourceFeed
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import Anomaly, Chunk, Source, StreamReader, TailState
from meshtui.services.log_stamps import Position
from meshtui.services.log_tail import ContainerTail
from meshtui.services.logs import LogEngine
from tests.conftest import SimCluster
from tests.services.log_oracle import post, wait
from tests.stacks import blocked_in

QUERY = LogQuery(namespace="shop", selector="app=catalog", containers="catalog")


def catalog_pod(kube: KubeClient) -> dict:
    pods = kube.get(path_for("", "v1", "pods", "shop"), labelSelector="app=catalog")["items"]
    return sorted(pods, key=lambda pod: pod["metadata"]["name"])[0]


def test_a_tail_made_while_the_engine_stops_is_stopped_too(sim: SimCluster) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    engine = LogEngine(kube, QUERY)

    class StopOnFirstTail(dict):  # stop() lands while the feed's thread makes the first tail
        def __setitem__(self, key: Any, tail: ContainerTail) -> None:
            if not self:
                engine.stop()
            super().__setitem__(key, tail)

    engine.tails = StopOnFirstTail()
    try:
        engine.start()
        wait(lambda: len(engine.tails) > 0, 30, "the first tail")
        wait(lambda: all(tail.finished.is_set() for tail in list(engine.tails.values())), 20,
             "every tail to end after stop()", lambda: str({k[1]: t.state.value for k, t in engine.tails.items()}))
    finally:
        engine.stop()
        kube.close()


def test_a_pod_feed_made_while_the_engine_stops_is_stopped_too(sim: SimCluster,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    engine = LogEngine(kube, QUERY)
    made: list[ResourceFeed] = []

    class StopWhileMade(ResourceFeed):  # stop() lands after the engine looked at its flag, before it kept the feed
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)
            engine.stop()

    monkeypatch.setattr(logs, "ResourceFeed", StopWhileMade)
    try:
        engine.start()
        wait(lambda: bool(made), 30, "the pod feed")
        feed = made[0]
        # started (an ident) and ended: a thread made but not yet started is not alive either (this wait once
        # passed between the feed's `Thread(...)` and its `.start()`, and read the state before any stop)
        wait(lambda: (thread := feed._thread) is not None and thread.ident is not None and not thread.is_alive(),
             20, "the pod feed's thread to end after stop()", lambda: feed.state.value)
        assert feed.state is FeedState.STOPPED and not engine.tails
    finally:
        engine.stop()
        kube.close()


def test_a_tail_stopped_as_a_step_begins_ends(sim: SimCluster) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))

    class StopAtFirstStep(ContainerTail):  # stop() lands between the loop's look at its flag and the step
        stopped = False

        def _step(self) -> bool:
            if not self.stopped:
                self.stopped = True
                self.stop()
            return super()._step()

    tail = StopAtFirstStep(kube, catalog_pod(kube), "catalog", deliver=lambda chunk: None, notify=lambda notice: None)
    try:
        tail.start()
        wait(tail.finished.is_set, 20, "the tail to end after stop()", lambda: tail.state.value)
    finally:
        tail.stop()
        kube.close()


class Owner:
    """A reader's owner that looks at the log's start once the follow stream opened (as a resumed tail does)."""

    def __init__(self, pod: dict) -> None:
        self.namespace, self.pod = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.reader: StreamReader | None = None

    @property
    def source(self) -> Source:
        return Source(self.namespace, self.pod, "catalog", "", 0)

    def on_open(self, confirm: bool) -> None:
        assert self.reader is not None
        self.reader.first_stamp()

    def on_chunk(self, chunk: Chunk, position: Position | None) -> None:
        pass

    def on_anomaly(self, anomaly: Anomaly) -> None:
        pass

    def on_gap(self, start: Position, first_ts: int) -> None:
        pass


def test_a_stop_during_a_look_cuts_the_stream_under_it_too(sim: SimCluster) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    owner = Owner(catalog_pod(kube))

    class StopAfterTheLook(StreamReader):  # stop() lands once the look read the log's start, before it closed
        def _start_of(self, response: Any) -> bytes:
            data = super()._start_of(response)
            self.interrupt()
            return data

    reader = owner.reader = StopAfterTheLook(kube, owner)
    outcome: list[BaseException | None] = []

    def follow() -> None:
        try:
            reader.read({"container": "catalog", "timestamps": True, "follow": True}, verify=None, accept_gap=True,
                        confirm=False)
            outcome.append(None)
        except BaseException as exc:  # a cut read raises; what matters is that it returns at all
            outcome.append(exc)

    thread = threading.Thread(target=follow, name="test-follow", daemon=True)
    try:
        thread.start()
        wait(lambda: bool(outcome), 20, "the follow stream to be cut by the stop")
        assert isinstance(outcome[0], OSError), outcome  # cut, not taken for the end of the log
    finally:
        reader.interrupt()
        kube.close()


def test_a_stopped_engine_is_freed_even_when_a_freeze_caught_it_running(sim: SimCluster) -> None:
    """The Overview (at 2,000+ pods), the Resources panel and the Logs view freeze what lives at a moment
    (`gc.freeze`), and a running engine is in cycles with its tails and feed (their callbacks). Frozen
    cycles are never collected: once stopped, nothing of the engine may point back at it, so reference
    counting alone frees it when the user changes the query."""
    import gc
    import weakref

    kube = KubeClient.connect(str(sim.kubeconfig))
    engine = LogEngine(kube, QUERY).start()
    wait(lambda e=engine: bool(e.tails) and e._feed is not None, 20, "the engine's tails and feed")
    threads = [t._thread for t in engine.tails.values()] + [engine._feed._thread]  # type: ignore[union-attr]
    gc.freeze()
    try:
        freed = weakref.ref(engine)
        engine.stop()
        del engine
        for thread in threads:
            assert thread is not None
            thread.join(10)
        assert not any(thread.is_alive() for thread in threads if thread is not None)
        wait(lambda: freed() is None, 10, "the stopped engine to be freed (no collection: it is frozen)")
    finally:
        gc.unfreeze()
        kube.close()


def test_a_stop_cuts_an_open_whose_response_never_comes(sim: SimCluster) -> None:
    """A server that accepts a follow request and never sends the headers: the open has no read timeout
    (a follow's body may be silent for ever), so only the stop can end it, and it must."""
    kube = KubeClient.connect(str(sim.kubeconfig))
    running = [LogEngine(kube, QUERY).start()]  # the one reference the test keeps, until it stops the engine
    tails: list[ContainerTail] = []
    try:
        wait(lambda e=running[0]: bool(e.tails) and all(t.state is TailState.FOLLOWING for t in e.tails.values()),
             30, "every tail to follow")
        tails += running[0].tails.values()
        post(sim, "/_sim/faults", {"api_latency_ms": 600_000, "drop_log_streams_after": 1})  # no answer in the test
        for tail in tails:  # a line cuts each stream; each tail opens another, which waits
            post(sim, "/_sim/log", {"namespace": "shop", "pod": tail.pod, "container": "catalog", "lines": ["cut"]})
        wait(lambda: all(blocked_in(t._thread, "open_stream", "_read_status") for t in tails), 20, "every tail to wait for a response",
             lambda: str([t.state.value for t in tails]))
        engine = running.pop()
        freed = weakref.ref(engine)
        engine.stop()
        del engine
        wait(lambda: all(t.finished.is_set() for t in tails), 10, "every tail to end after stop()",
             lambda: str([(t.state.value, blocked_in(t._thread, "open_stream", "_read_status")) for t in tails]))
        for tail in tails:
            tail.join(5)
        assert not any(t._thread is not None and t._thread.is_alive() for t in tails)
        wait(lambda: freed() is None, 10, "the stopped engine to be freed")
    finally:
        for engine in running:
            engine.stop()
        post(sim, "/_sim/faults", {"api_latency_ms": 0, "drop_log_streams_after": 0})
        kube.close()
