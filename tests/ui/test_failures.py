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
