"""Tour progress on disk: per cluster (never applied to another one that shares the context name), versioned,
validated on read; a damaged file is moved aside with one notice, one from a newer meshtui is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshtui.config.tours import find_tour
from meshtui.domain.errors import EXIT_USAGE, MeshtuiError
from meshtui.services.session import Session
from meshtui.services.tours import ScreenFacts, TourRun
from meshtui.wiring import Wiring
from tests.conftest import SimCluster, SimFactory, api_client, run_cli

GROUP, VERSION = "networking.istio.io", "v1"


@pytest.fixture
def sessions() -> Iterator[list[Wiring]]:
    opened: list[Wiring] = []
    yield opened
    for wiring in opened:
        wiring.close()


def session(sim: SimCluster, opened: list[Wiring]) -> Session:
    wiring = Wiring(kubeconfig=str(sim.kubeconfig))
    opened.append(wiring)
    return wiring.session()


def catalog(sim: SimCluster) -> dict:
    from kubernetes import client

    return client.CustomObjectsApi(api_client(sim)).get_namespaced_custom_object(
        GROUP, VERSION, "shop", "virtualservices", "catalog")["spec"]


def progress_file(tmp_path: Path) -> Path:
    return tmp_path / "xdg-state" / "meshtui" / "tours" / "canary.json"


def change_catalog(sim: SimCluster) -> None:
    """What a user did on this cluster before the tour: 10/90 plus a timeout and retries."""
    env = {"KUBECONFIG": str(sim.kubeconfig)}
    assert run_cli("routes", "set", "catalog", "v1=10", "v2=90", "--yes", env=env).returncode == 0
    assert run_cli("routes", "timeout", "catalog", "3s", "--retries", "2", "--yes", env=env).returncode == 0


def advance(run: TourRun) -> None:
    """Pass the steps that hold on this cluster (the Traffic panel shows catalog)."""
    while run.advance_if_done(ScreenFacts(panel="traffic", traffic_host="catalog")):
        pass


def test_progress_of_one_cluster_is_never_applied_to_another_of_the_same_name(sim_factory: SimFactory,
                                                                               sessions: list[Wiring]) -> None:
    one, other = sim_factory(seed=42), sim_factory(seed=42)  # both contexts are named meshtui-sim
    change_catalog(one)
    tour = find_tour("canary")
    first = TourRun.start(tour, session(one, sessions))
    advance(first)
    assert first.index >= 2
    changed, untouched = catalog(one), catalog(other)
    assert changed != untouched

    second = TourRun.start(tour, session(other, sessions))
    assert second.index == 0 and not second.finished  # its own progress, from the start
    assert second.notices == []
    done = second.reset()
    assert not any("restored" in line for line in done), done
    assert catalog(other) == untouched  # never the first cluster's 10/90, timeout and retries

    again = TourRun.start(tour, session(one, sessions))  # the first cluster's progress is still its own
    assert again.index == first.index
    again.reset()
    assert catalog(one) == changed  # back to the routes before the tour, on the cluster they came from


def test_both_clusters_keep_their_own_progress_in_one_file(sim_factory: SimFactory, sessions: list[Wiring]) -> None:
    one, other = sim_factory(seed=42), sim_factory(seed=7)
    change_catalog(one)
    tour = find_tour("canary")
    advance(TourRun.start(tour, session(one, sessions)))
    TourRun.start(tour, session(other, sessions))  # starts and saves its own progress (step 1)
    resumed = TourRun.start(tour, session(one, sessions))
    assert resumed.index >= 2  # the other cluster's save did not replace the first's
    assert TourRun.start(tour, session(other, sessions)).index == 0


HOST = {"vs": None, "dr": None, "vs_existed": True, "dr_existed": True, "touched_before": True}
DEEP: object = "x"
for _ in range(200):
    DEEP = {"a": DEEP}
BROKEN = {
    "truncated": '{"version": 1, "clusters": {"uid:x": ',
    "empty": "",
    "not an object": "[1, 2]",
    "wrong type in the baseline": json.dumps({"version": 1, "clusters": {"uid:x": {
        "step": "traffic", "baseline": {"shop/catalog": "zzz"}}}}),
    "a host key without a namespace": json.dumps({"version": 1, "clusters": {"uid:x": {
        "step": "traffic", "baseline": {"catalog": HOST}}}}),
    "nested too deep": json.dumps({"version": 1, "clusters": {"uid:x": {
        "step": "traffic", "baseline": {"shop/catalog": {**HOST, "vs": DEEP}}}}}),
    "keyed by context name (older meshtui)": json.dumps({
        "context": "meshtui-sim", "step": "traffic", "finished": False, "baseline": {"shop/catalog": "zzz"}}),
}


@pytest.mark.parametrize("form", list(BROKEN))
def test_a_damaged_progress_file_is_moved_aside_with_one_notice(form: str, sim: SimCluster, tmp_path: Path,
                                                                 sessions: list[Wiring]) -> None:
    path = progress_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(BROKEN[form])
    before = catalog(sim)
    run = TourRun.start(find_tour("canary"), session(sim, sessions))
    moved = list(path.parent.glob("canary.json.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_text() == BROKEN[form]  # kept for the user, unchanged
    assert len(run.notices) == 1 and str(path) in run.notices[0] and str(moved[0]) in run.notices[0]
    assert run.index == 0
    run.reset()  # the tour's own baseline: nothing of the damaged file is applied
    assert catalog(sim) == before
    assert TourRun.start(find_tour("canary"), session(sim, sessions)).notices == []  # said once


def test_a_progress_file_from_a_newer_meshtui_is_refused_and_left_alone(sim: SimCluster, tmp_path: Path,
                                                                        sessions: list[Wiring]) -> None:
    path = progress_file(tmp_path)
    path.parent.mkdir(parents=True)
    text = json.dumps({"version": 99, "clusters": {"uid:x": {"anything": "new"}}})
    path.write_text(text)
    with pytest.raises(MeshtuiError) as refused:
        TourRun.start(find_tour("canary"), session(sim, sessions))
    assert refused.value.exit_code == EXIT_USAGE and "newer meshtui" in refused.value.message
    assert path.read_text() == text and not list(path.parent.glob("*.corrupt-*"))
