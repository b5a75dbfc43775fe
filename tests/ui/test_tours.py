"""Pilot: every shipped tour runs to the end on the simulator, advancing only by its live conditions.

`show me` (F6) performs each step; the step completes when the tour's condition sees
the result (panel on screen, pod selected, log lines, route weights, faults, breaker,
ingress answer, usage). The reset (F8) must leave no meshtui-labelled VirtualService
or DestinationRule and the routes exactly as before the tour.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from meshtui.config.tours import discover_tours
from meshtui.sim import SimCluster
from tests.conftest import run_cli
from tests.ui.helpers import make_app, notifications, wait_for

ISTIO = "/apis/networking.istio.io/v1"


def routes_state(sim: SimCluster) -> dict:
    out = {}
    for plural in ("virtualservices", "destinationrules"):
        with urllib.request.urlopen(f"{sim.url}{ISTIO}/{plural}", timeout=5) as response:
            for item in json.loads(response.read())["items"]:
                meta = item["metadata"]
                out[(plural, meta["namespace"], meta["name"])] = {
                    "spec": item["spec"], "labels": meta.get("labels") or {},
                    "annotations": {k: v for k, v in (meta.get("annotations") or {}).items()
                                    if k.startswith("meshtui")}}
    return out


def test_every_shipped_tour_is_valid() -> None:
    tours = discover_tours()
    assert {"first-look", "canary", "resilience", "from-the-seed"} <= set(tours)
    for path in tours.values():
        assert run_cli("tour", str(path), "--validate").returncode == 0


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", ["first-look", "canary", "resilience", "from-the-seed"])
async def test_tour_runs_to_the_end_and_reset_restores_the_routes(name: str, sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim: SimCluster = sim_factory(rate=30.0)
    before = routes_state(sim)
    app = make_app(str(sim.kubeconfig), tour=name)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.tour_run is not None, timeout=20, what="tour started")
        run = app.tour_run
        drawer = app.query_one("#tour-drawer")
        assert drawer.display
        seen_titles = []
        for _ in range(run.total + 2):
            if run.finished:
                break
            index = run.index
            seen_titles.append(str(app.query_one("#tour-step").render()).splitlines()[0])
            await pilot.press("f6")
            await wait_for(pilot, lambda i=index: run.finished or run.index != i, timeout=30,
                           what=f"step {run.step.id} of {name} to be detected")
        assert run.finished, f"{name} stopped at {run.step.id}"
        assert seen_titles and all(title[0].isdigit() for title in seen_titles)
        assert "Finished!" in str(app.query_one("#tour-step").render())
        assert any("finished" in n for n in notifications(app))
        await pilot.press("f8")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("tour reset" in str(n) or "restored" in n or "deleted" in n
                                          or "nothing to reset" in n for n in notifications(app)),
                       timeout=20, what="reset")
    after = routes_state(sim)
    managed = [k for k, v in after.items() if v["labels"].get("app.kubernetes.io/managed-by") == "meshtui"]
    assert managed == []
    assert {k: v["spec"] for k, v in after.items()} == {k: v["spec"] for k, v in before.items()}
    assert all(not v["annotations"] for v in after.values())


async def test_leaving_and_resuming_keeps_progress(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig), tour="canary")
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.tour_run is not None, timeout=20, what="tour")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.tour_run.index >= 1, timeout=20, what="first step")
        reached = app.tour_run.index
    again = make_app(str(sim.kubeconfig), tour="canary")
    async with again.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: again.tour_run is not None, timeout=20, what="tour resumed")
        assert again.tour_run.index >= reached
        await pilot.press("f7")
        assert not again.query_one("#tour-drawer").display
        await pilot.press("f8")
        await pilot.press("y")
        await wait_for(pilot, lambda: again.tour_run.index == 0, timeout=20, what="reset to the start")


def test_a_malformed_tour_is_one_error_with_file_and_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: t\nsummary: s\nsteps:\n  - id: one\n    title: x\n    panel: overveiw\n"
                   "    text: hi\n    done_when: {panel_shown: overview}\n")
    result = run_cli("tour", str(bad), "--validate")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{bad}:6: steps.0.panel" in result.stderr
    two = tmp_path / "two.yaml"
    two.write_text("title: t\nsummary: s\nsteps:\n  - id: one\n    title: x\n    panel: logs\n    text: hi\n"
                   "    done_when: {panel_shown: logs, usage_shown: true}\n")
    result = run_cli("tour", str(two), "--validate")
    assert result.returncode == 2 and f"{two}:8:" in result.stderr and "exactly one" in result.stderr
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("title: t\nsteps: [\n")
    result = run_cli("tour", str(syntax))
    assert result.returncode == 2 and f"{syntax}:" in result.stderr and "YAML syntax error" in result.stderr
    user_dir = tmp_path / "xdg-config" / "meshtui" / "tours"
    user_dir.mkdir(parents=True)
    (user_dir / "mine.yaml").write_text(two.read_text())
    listing = run_cli("tour", "--list")
    assert listing.returncode == 2 and "mine" in listing.stdout and "invalid" in listing.stdout


async def test_a_reset_on_another_cluster_of_the_same_name_leaves_its_routes_alone(sim_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from meshtui.config.tours import find_tour
    from meshtui.services.tours import ScreenFacts, TourRun
    from meshtui.wiring import Wiring

    one, other = sim_factory(seed=42), sim_factory(seed=42)  # both contexts are named meshtui-sim
    env = {"KUBECONFIG": str(one.kubeconfig)}
    assert run_cli("routes", "set", "catalog", "v1=10", "v2=90", "--yes", env=env).returncode == 0
    assert run_cli("routes", "timeout", "catalog", "3s", "--retries", "2", "--yes", env=env).returncode == 0
    wiring = Wiring(kubeconfig=str(one.kubeconfig))
    try:  # the first cluster's tour, left in the middle: its progress and baseline are on disk
        first = TourRun.start(find_tour("canary"), wiring.session())
        first.advance_if_done(ScreenFacts(panel="traffic", traffic_host="catalog"))
    finally:
        wiring.close()
    before = routes_state(other)
    app = make_app(str(other.kubeconfig), tour="canary")
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.tour_run is not None, timeout=20, what="tour started")
        assert app.tour_run.index == 0
        await pilot.press("f8")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("shop/catalog" in n or "nothing to reset" in n for n in notifications(app)),
                       timeout=20, what="reset")
        assert not any("restored" in n for n in notifications(app)), notifications(app)
    assert routes_state(other) == before


async def test_a_damaged_progress_file_is_moved_aside_and_said_in_the_tui(sim: SimCluster, tmp_path) -> None:  # type: ignore[no-untyped-def]
    progress = tmp_path / "xdg-state" / "meshtui" / "tours" / "canary.json"
    progress.parent.mkdir(parents=True)
    progress.write_text(json.dumps({"version": 1, "clusters": {"uid:x": {"step": "traffic",
                                                                         "baseline": {"shop/catalog": "zzz"}}}}))
    before = routes_state(sim)
    app = make_app(str(sim.kubeconfig), tour="canary")
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.tour_run is not None, timeout=20, what="tour started")
        await wait_for(pilot, lambda: any("moved it to" in n for n in notifications(app)), what="the notice")
        assert sum("moved it to" in n for n in notifications(app)) == 1
        await pilot.press("f8")
        await pilot.press("y")
        await wait_for(pilot, lambda: any("shop/catalog" in n or "nothing to reset" in n for n in notifications(app)),
                       timeout=20, what="reset")
        assert not any("Error" in n for n in notifications(app)), notifications(app)
    assert len(list(progress.parent.glob("canary.json.corrupt-*"))) == 1
    assert routes_state(sim) == before
