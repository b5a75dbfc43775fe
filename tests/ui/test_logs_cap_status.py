"""The Logs panel says when its query matches more containers than it follows at once (100 by default)."""

from __future__ import annotations

from meshtui.ui.app import MeshApp
from tests.conftest import SimCluster
from tests.services.log_oracle import post
from tests.ui.helpers import make_app
from tests.ui.test_logs_panel import logs_ready, wait_for


def following(app: MeshApp) -> int:
    engine = app.panel("logs").engine
    return sum(1 for tail in list(engine.tails.values()) if not tail.finished.is_set())  # type: ignore[union-attr]


async def test_the_status_line_says_how_many_of_how_many_are_followed(sim: SimCluster) -> None:
    post(sim, "/_sim/pods", {"namespace": "load", "pods": 130})
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(200, 45)) as pilot:
        panel = await logs_ready(pilot, app, "-n load")
        status = panel.query_one("#log-status")
        said = ("following 100 of 130 containers (cap; narrow with -l or a pod name, or raise with "
                "--max-log-requests N)")
        await wait_for(pilot, lambda: said in str(status.render()), what="the cap in the status line")
        assert following(app) == 100
        panel = await logs_ready(pilot, app, "-n load --max-log-requests 5")
        await wait_for(pilot, lambda: "following 5 of 130 containers (cap;" in str(status.render()),
                       what="the query's own cap")
        assert following(app) == 5
        panel = await logs_ready(pilot, app, "-n load load-0000")
        await wait_for(pilot, lambda: "streams: 10 following" in str(status.render()), what="a narrow query")
        assert "cap;" not in str(status.render())
