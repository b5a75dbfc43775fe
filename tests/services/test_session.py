"""The composition root and the session: one way to a cluster, handles released when unused."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Callable

from meshtui.services.log_query import LogQuery
from meshtui.wiring import Wiring
from tests.conftest import SimCluster


def eventually(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        gc.collect()
        time.sleep(0.05)


def test_stopped_handles_are_released_while_the_session_lives(sim: SimCluster) -> None:
    wiring = Wiring(kubeconfig=str(sim.kubeconfig))
    session = wiring.session()
    try:
        engine = session.logs(LogQuery(namespace="shop"), lambda: None)
        observer = session.observer("catalog", "shop")
        feed = session.feed("pods", lambda: None)
        usage = session.usage()
        refs = [weakref.ref(handle) for handle in (engine, observer, feed, usage)]
        assert session.tracked() == 4
        engine.stop()
        observer.close()
        feed.stop()
        usage.close()
        del engine, observer, feed, usage
        eventually(lambda: all(ref() is None for ref in refs), "the stopped handles to be freed")
        assert session.tracked() == 0
        kept = session.feed("nodes", lambda: None)  # one still in use is stopped by close()
    finally:
        session.close()
        wiring.close()
    assert kept.state.value == "stopped"


def test_the_cli_and_the_tui_get_the_same_guard_and_services(sim: SimCluster) -> None:
    wiring = Wiring(kubeconfig=str(sim.kubeconfig), read_only=True)
    session = wiring.session()
    try:
        assert session.guard == wiring.guard and session.guard.read_only
        assert session.context == wiring.kube.context
        assert type(session.cluster) is type(wiring.cluster) and type(session.routes) is type(wiring.routes)
        assert session.cluster.info().reachable
    finally:
        session.close()
        wiring.close()
