"""The composition root and the session: one way to a cluster, handles released when unused."""

from __future__ import annotations

import gc
import time
import types
import weakref
from collections.abc import Callable

from meshtui.services.log_query import LogQuery
from meshtui.wiring import Wiring
from tests.conftest import SimCluster


def eventually(condition: Callable[[], bool], what: str, timeout: float = 20,
               detail: Callable[[], str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f" ({detail()})" if detail else ""))
        gc.collect()
        time.sleep(0.05)


def reachable_from(root: object, targets: list[object], limit: int = 200_000) -> set[int]:
    """ids of `targets` reachable from `root` through strong references (weak references are not followed)."""
    wanted = {id(t) for t in targets}
    seen: set[int] = {id(root)}
    frontier = [root]
    found: set[int] = set()
    while frontier and len(seen) < limit:
        nxt = []
        for obj in frontier:
            for child in gc.get_referents(obj):
                if id(child) in seen or isinstance(child, (type, types.ModuleType, weakref.ref)):
                    continue
                seen.add(id(child))
                if id(child) in wanted:
                    found.add(id(child))
                nxt.append(child)
        frontier = nxt
    return found


def test_stopped_handles_are_released_while_the_session_lives(sim: SimCluster) -> None:
    wiring = Wiring(kubeconfig=str(sim.kubeconfig))
    session = wiring.session()
    try:
        engine = session.logs(LogQuery(namespace="shop"), lambda: None)
        observer = session.observer("catalog", "shop")
        feed = session.feed("pods", lambda: None)
        usage = session.usage()
        refs = {name: weakref.ref(handle) for name, handle in
                (("log engine", engine), ("observer", observer), ("feed", feed), ("usage", usage))}
        assert session.tracked() == 4
        engine.stop()
        observer.close()
        feed.stop()
        usage.close()
        del engine, observer, feed, usage
        # their worker threads wind down on their own time (a read in flight returns first); what must not
        # happen is the session keeping them: a handle still alive after the wait must not be reachable from it
        try:
            eventually(lambda: all(ref() is None for ref in refs.values()), "the stopped handles to be freed",
                       timeout=30)
        except AssertionError:
            alive = {name: ref() for name, ref in refs.items() if ref() is not None}
            held = reachable_from(session, [h for h in alive.values() if h is not None])
            assert not held, f"the session still holds {', '.join(n for n, h in alive.items() if id(h) in held)}"
        else:
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
