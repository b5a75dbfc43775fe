"""The header says not only LOCAL / SIMULATED / REMOTE but why: the guard's reason, from a real kubeconfig."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import SimCluster
from tests.ui.helpers import make_app, wait_for


async def test_the_badge_of_a_loopback_sim_says_why(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: "SIMULATED" in str(app.query_one("#badge").render()), what="badge")
        why = str(app.query_one("#why").render())
        assert "127.0.0.1" in why and "is loopback" in why
        assert "SIMULATED: the API server 127.0.0.1" in str(app.query_one("#badge").tooltip)


async def test_the_badge_of_a_remote_context_says_why(remote: str, sim: SimCluster) -> None:
    app = make_app(remote)
    async with app.run_test(size=(200, 45)) as pilot:
        await wait_for(pilot, lambda: "REMOTE" in str(app.query_one("#badge").render()), what="REMOTE badge")
        why = str(app.query_one("#why").render())
        assert "prod.example.internal" in why and "does not resolve" in why


async def test_hostile_names_from_the_kubeconfig_reach_the_header_inert(sim: SimCluster, tmp_path: Path) -> None:
    """A context name with markup and escape sequences neither crashes the header nor reaches the terminal raw."""
    hostile = "[bold]evil[/] \x1b]0;owned\x07\x1b[2J"
    config = yaml.safe_load(Path(sim.kubeconfig).read_text())
    config["contexts"][0]["name"] = hostile
    config["current-context"] = hostile
    kubeconfig = tmp_path / "hostile-kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    app = make_app(str(kubeconfig))
    async with app.run_test(size=(200, 45)) as pilot:
        await wait_for(pilot, lambda: "LOCAL" in str(app.query_one("#badge").render()), what="badge")
        where = str(app.query_one("#where").render())
        assert "[bold]evil[/]" in where and "␛]0;owned␇" in where and "\x1b" not in where
