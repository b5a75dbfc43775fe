"""Setup panel: the plan before anything runs, `u` asks then provisions live and connects, `X` tears down
and the app knows the cluster is gone, `r` only resumes what failed, `m` ends visibly, `z` cancels."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from meshtui.sim import SimCluster
from meshtui.ui.screens.confirm import ConfirmScreen
from tests.conftest import run_cli
from tests.ui.helpers import make_app, notifications, wait_for


def _cells(app) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {step: list(cells) for step, cells in app.panel("setup").step_cells().items()}


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one(selector).render())


@pytest.mark.timeout(900)
async def test_up_asks_shows_live_steps_connects_and_down_disconnects(tmp_path: Path) -> None:
    app = make_app(str(tmp_path / "none"))
    state = tmp_path / "xdg-state" / "meshtui" / "up"
    try:
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "setup", what="setup panel")
            setup = app.panel("setup")
            await wait_for(pilot, lambda: bool(setup.profiles), what="profiles")
            while setup.profile != "sim":
                await pilot.press("p")
            # before anything runs, the steps table lists the plan of the selected profile
            await wait_for(pilot, lambda: setup.plan_profile == "sim" and "ingress" in _cells(app), what="plan")
            assert all(row[0] == "·" for row in _cells(app).values())
            assert "meshtui up -p sim` runs these" in _text(app, "#steps-title")
            await pilot.press("u")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the up confirmation")
            assert "Provision profile sim?" in str(app.screen.query_one("#question").render())
            await pilot.press("y")
            await wait_for(pilot, lambda: setup.run_verb == "up", what="the run")
            await wait_for(pilot, lambda: _cells(app).get("ingress", [""])[0] == "✔", timeout=90, what="ingress ✔")
            rows = _cells(app)
            assert all(row[0] == "✔" for row in rows.values()), rows
            assert rows["ingress"][3].endswith("/api/healthz -> 200")
            assert any("up finished" in n for n in notifications(app))
            await wait_for(pilot, lambda: app.session is not None and app.session.context.name == "meshtui-sim",
                           timeout=30, what="connected to the provisioned cluster")
            log_text = "\n".join(str(line) for line in app.query_one("#step-output").lines)
            assert "manifests │ applied" in log_text and "shop-local-pw" not in log_text
            await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "overview", what="overview")
            # X on the same profile: asks, tears the cluster down, and the app knows it is gone
            await pilot.press("5")
            await pilot.press("X")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the down confirmation")
            await pilot.press("y")
            await wait_for(pilot, lambda: app.session is None, timeout=60, what="disconnected after down")
            assert any("was torn down" in n for n in notifications(app))
            assert "OFFLINE" in _text(app, "#badge")
            assert "Not connected" in _text(app, "#offline-overview")
            assert app.query_one(TabbedContent).active == "setup"
            # and D starts the demo instead of claiming to be on it already
            await pilot.press("D")
            await wait_for(pilot, lambda: app.session is not None, timeout=30, what="the demo session")
            assert app.wiring.is_demo(app.session.context)
            assert not any("already on the demo" in n for n in notifications(app))
    finally:
        app.wiring.close()
        run_cli("down", "-p", "sim", "--yes", timeout=60)
        try:
            pid = json.loads((state / "sim.json").read_text())["created"]["sim_pid"]
            os.killpg(pid, signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            pass


async def test_metrics_server_run_ends_and_z_then_has_nothing_to_cancel(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim: SimCluster = sim_factory(metrics=False)
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("3")
        await pilot.press("m")  # Resources' m hands over to Setup
        setup = app.panel("setup")
        assert app.query_one(TabbedContent).active == "setup" and "metrics-server" in _cells(app)
        await wait_for(pilot, lambda: any("metrics-server is ready" in n for n in notifications(app)),
                       timeout=60, what="metrics ready")
        assert setup.run_verb is None and _cells(app)["metrics-server"][0] == "✔"  # no spinner left spinning
        assert _cells(app)["metrics-server"][2].endswith("s") and "." in _cells(app)["metrics-server"][2]
        await pilot.press("z")
        assert any("nothing is running" in n for n in notifications(app))
    with urllib.request.urlopen(sim.url + "/apis", timeout=5) as response:
        groups = json.loads(response.read())
    assert any(g["name"] == "metrics.k8s.io" for g in groups["groups"])


async def test_z_cancels_the_metrics_server_install(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim: SimCluster = sim_factory(metrics=False)
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("5")
        request = urllib.request.Request(f"{sim.url}/_sim/faults", data=json.dumps({"api_latency_ms": 700}).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()
        await pilot.press("m")
        await pilot.press("z")
        assert any("cancelling metrics-server" in n for n in notifications(app))
        setup = app.panel("setup")
        await wait_for(pilot, lambda: setup.run_verb is None, timeout=60, what="the run to end")
        assert _cells(app)["metrics-server"][0] in ("■", "✘", "✔")  # ended, whichever way it went


async def test_r_resumes_only_a_failed_up_and_never_starts_one(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("5")
        await pilot.press("r")
        assert any("nothing to resume" in n for n in notifications(app))  # said at once: no worker was started
        assert not isinstance(app.screen, ConfirmScreen) and app.panel("setup").run_verb is None


async def test_u_asks_and_no_changes_nothing(sim: SimCluster, tmp_path: Path) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("5")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the up confirmation")
        await pilot.press("n")
        assert app.panel("setup").run_verb is None
    assert not (tmp_path / "xdg-state" / "meshtui" / "up").exists()


async def test_read_only_hides_up_and_down(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig), read_only=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("5")
        await pilot.press("u")
        assert any("refused" in n for n in notifications(app))
        assert app.panel("setup").run_verb is None and not isinstance(app.screen, ConfirmScreen)
