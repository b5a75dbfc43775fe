"""Setup panel: `u` provisions a profile with a live step list, then the app connects to the result."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from textual.widgets import TabbedContent

from meshtui.ui.screens.confirm import ConfirmScreen

from meshtui.sim import SimCluster
from tests.conftest import run_cli
from tests.ui.helpers import make_app, notifications, wait_for


def _cells(app, table_id: str = "#steps") -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    assert table_id == "#steps"
    return {step: list(cells) for step, cells in app.panel("setup").step_cells().items()}


async def test_up_from_the_setup_panel_shows_live_steps_and_connects(tmp_path: Path) -> None:
    app = make_app(str(tmp_path / "none"))
    state = tmp_path / "xdg-state" / "meshtui" / "up"
    try:
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "setup", what="setup panel")
            setup = app.panel("setup")
            await wait_for(pilot, lambda: bool(setup.profiles), what="profiles")
            while setup.profile != "sim":
                await pilot.press("p")
            await pilot.press("u")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the up confirmation")
            await pilot.press("y")
            await wait_for(pilot, lambda: "ingress" in _cells(app, "#steps"), timeout=30, what="step rows")
            await wait_for(pilot, lambda: _cells(app, "#steps")["ingress"][0] == "✔", timeout=60, what="ingress ✔")
            rows = _cells(app, "#steps")
            assert all(row[0] == "✔" for row in rows.values()), rows
            assert rows["ingress"][3].endswith("/api/healthz -> 200")
            assert any("up finished" in n for n in notifications(app))
            await wait_for(pilot, lambda: app.session is not None and app.session.context.name == "meshtui-sim",
                           timeout=20, what="connected to the provisioned cluster")
            # tools' output is shown per step, and secrets never are
            log_text = "\n".join(str(line) for line in app.query_one("#step-output").lines)
            assert "manifests │ applied" in log_text and "shop-local-pw" not in log_text
            # connected, the app shows the Overview; on Setup, m confirms metrics-server (the plan installed it)
            await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "overview", what="overview")
            await pilot.press("5")
            await pilot.press("m")
            await wait_for(pilot, lambda: any("metrics-server is ready" in n for n in notifications(app)),
                           timeout=30, what="metrics ready")
    finally:
        run_cli("down", "-p", "sim", "--yes", timeout=60)
        try:
            pid = json.loads((state / "sim.json").read_text())["created"]["sim_pid"]
            os.killpg(pid, signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            pass


async def test_metrics_server_key_installs_it_on_a_cluster_without_metrics(sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim: SimCluster = sim_factory(metrics=False)
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("3")
        await pilot.press("m")
        await wait_for(pilot, lambda: any("metrics-server is ready" in n for n in notifications(app)),
                       timeout=30, what="metrics ready")
        assert app.query_one(TabbedContent).active == "setup"
    import urllib.request

    with urllib.request.urlopen(sim.url + "/apis", timeout=5) as response:
        groups = json.loads(response.read())
    assert any(g["name"] == "metrics.k8s.io" for g in groups["groups"])


async def test_read_only_hides_up_and_down(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig), read_only=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("5")
        await pilot.press("u")
        assert app.panel("setup").run_verb is None
