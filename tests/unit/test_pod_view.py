"""PodView, the Overview's incremental pod store, against a brute-force filter-and-sort of the same pods."""

from __future__ import annotations

import random

import pytest

from meshtui.domain.pod_view import SORTS, PodView
from meshtui.domain.workloads import PodSummary, health


def pod(namespace: str, name: str, *, status: str = "Running", restarts: int = 0, created: float | None = 100.0,
        node: str = "n1", version: str = "v1", ready: int = 1, last_restart: float | None = None) -> PodSummary:
    return PodSummary(namespace, name, ready, 1, status, restarts, last_restart, created, node, version, name.split("-")[0],
                      True, "10.0.0.1")


def expected(pods: dict[str, PodSummary], view: PodView) -> list[str]:
    """What the view must show, computed the slow obvious way."""
    shown = [p for p in pods.values() if (view.namespace is None or p.namespace == view.namespace)
             and view.filter.matches(p)]
    keyers = {"namespace": lambda p: (p.namespace, p.name), "name": lambda p: (p.name, p.namespace),
              "status": lambda p: (p.status, p.namespace, p.name), "restarts": lambda p: (-p.restarts, p.name, p.namespace),
              "age": lambda p: (p.created if p.created is not None else float("inf"), p.name, p.namespace),
              "node": lambda p: (p.node, p.name, p.namespace), "version": lambda p: (p.version, p.name, p.namespace)}
    keys = [p.key for p in sorted(shown, key=keyers[view.sort_by])]
    return keys[::-1] if view.reverse else keys


def random_pod(rng: random.Random) -> PodSummary:
    return pod(rng.choice(["shop", "load", "istio-system"]), f"{rng.choice(['catalog', 'ratings', 'load'])}-{rng.randrange(60)}",
               status=rng.choice(["Running", "Pending", "CrashLoopBackOff"]), restarts=rng.randrange(4),
               created=rng.choice([None, 50.0, 100.0, 150.0]), node=rng.choice(["n1", "n2"]),
               version=rng.choice(["v1", "v2", ""]), ready=rng.randrange(2), last_restart=rng.choice([None, 990.0, 100.0]))


@pytest.mark.parametrize("seed", range(8))
def test_incremental_changes_match_a_full_recompute(seed: int) -> None:
    rng = random.Random(seed)
    view = PodView()
    truth: dict[str, PodSummary] = {}
    initial = {p.key: p for p in (random_pod(rng) for _ in range(80))}
    truth.update(initial)
    view.apply(initial, (), resynced=True)
    assert view.keys() == expected(truth, view)
    for step in range(300):
        if step % 15 == 0:
            view.configure(sort_by=rng.choice(SORTS), reverse=rng.random() < 0.5,
                           namespace=rng.choice([None, "shop", "load"]),
                           filter_text=rng.choice(["", "cat", "catalog", "re:^load/.*-1", "crash", "re:(", "re:(x", "n2"]))
        upserts = {p.key: p for p in (random_pod(rng) for _ in range(rng.randrange(6)))}
        deletes = set(rng.sample(sorted(truth), k=min(len(truth), rng.randrange(3))))
        deletes -= set(upserts)
        for key in deletes:
            truth.pop(key)
        truth.update(upserts)
        delta = view.apply(upserts, deletes)
        assert set(upserts) <= delta.changed
        want = expected(truth, view)
        assert view.keys() == want
        assert len(view) == len(want)
        for index, key in enumerate(want):
            assert view.key_at(index) == key
            assert view.index_of(key) == index
        for key in truth.keys() - set(want):
            assert view.index_of(key) is None
        counted = view.health(3, now=1000.0)
        assert counted == health(truth.values(), 3, now=1000.0)


def test_a_bad_regex_says_so_and_matches_as_text() -> None:
    view = PodView()
    view.apply({p.key: p for p in [pod("shop", "a(b"), pod("shop", "ab")]}, (), resynced=True)
    view.configure(filter_text="re:a(b")
    assert view.filter.error is not None and "regex" in view.filter.error
    assert view.keys() == []  # "re:a(b" is not in any haystack
    view.configure(filter_text="A(B")
    assert view.keys() == ["shop/a(b"]


def test_unknown_sort_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sort"):
        PodView().configure(sort_by="colour")


def test_widths_track_the_longest_text_and_reset_on_resync() -> None:
    view = PodView()
    view.apply({"ns/x": pod("ns", "x" * 40)}, (), resynced=True)
    assert view.widths["name"] == 40
    view.apply({"ns/y": pod("ns", "y")}, (), resynced=True)
    assert view.widths["name"] == 1
