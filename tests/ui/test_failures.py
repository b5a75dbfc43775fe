"""Nothing fails silently: an unexpected error in any panel's worker reaches the status line,
a notification and the log file under the state directory."""

from __future__ import annotations

from pathlib import Path

from meshtui.config import paths
from meshtui.services import logfile
from tests.ui.helpers import make_app, notifications, wait_for


async def test_an_unexpected_worker_error_is_shown_and_logged(tmp_path: Path) -> None:
    log_file = logfile.install(paths.state_dir())
    app = make_app(str(tmp_path / "no-kubeconfig"))
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            panel = app.panel("traffic")

            def boom() -> None:
                raise KeyError("hosts")

            panel.run_worker(boom, thread=True, exit_on_error=False, group="traffic-hosts")
            status = app.query_one("#status-line")
            await wait_for(pilot, lambda: status.display and "KeyError" in str(status.render()), what="status line")
            assert any("KeyError" in n for n in notifications(app))
            assert "details:" in str(status.render())
    finally:
        logfile.uninstall()
    text = log_file.read_text()
    assert "traffic-hosts failed" in text and "KeyError: 'hosts'" in text and "Traceback" in text


async def test_an_unexpected_error_in_my_jobs_ends_what_it_was_doing(sim) -> None:  # type: ignore[no-untyped-def]
    """Setup's run stops spinning, Resources says sampling failed and keeps polling, connecting ends offline."""
    app = make_app(str(sim.kubeconfig))

    def boom() -> None:
        raise RuntimeError("disk on fire")

    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        setup = app.panel("setup")
        from meshtui.ui.panels.setup_runs import StepRow

        await wait_for(pilot, lambda: setup.plan_profile is not None, what="the plan")  # nothing else pending

        setup.run_verb, setup.steps = "metrics-server", {"metrics-server": StepRow("running", 0.0)}
        setup.run_worker(boom, thread=True, exit_on_error=False, group="metrics")
        await wait_for(pilot, lambda: setup.run_verb is None, what="the run to end")
        assert setup.step_cells()["metrics-server"][0] == "✘"
        resources = app.panel("resources")
        # its first sample lands first (a late success would repaint the status over the failure); hidden, it
        # takes no other until shown
        await wait_for(pilot, lambda: resources.samples + resources.errors > 0, timeout=60, what="the first sample")
        resources.run_worker(boom, thread=True, exit_on_error=False, group="usage")
        await wait_for(pilot, lambda: "sampling failed (RuntimeError: disk on fire)"
                       in str(resources.query_one("#usage-status").render()), what="the usage status")
        app.run_worker(boom, thread=True, exit_on_error=False, group="connect")
        await wait_for(pilot, lambda: any("disk on fire" in n for n in notifications(app)), what="notified")
    app.wiring.close()
