"""ruff keeps the code base consistent (imports sorted, no unused names, modern syntax); mypy keeps the
seams typed (the package ships py.typed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "meshtui", "tests", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "meshtui"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


RUN_TIME_CORE = [
    "meshtui/wiring.py", "meshtui/services/ports.py", "meshtui/services/session.py", "meshtui/services/tours.py",
    "meshtui/services/cluster.py", "meshtui/services/usage.py", "meshtui/services/logfile.py",
    "meshtui/domain/usage.py", "meshtui/adapters/docker_engine.py", "meshtui/adapters/docker_stats.py",
    "meshtui/adapters/docker_images.py", "meshtui/adapters/host.py", "meshtui/ui/app.py", "meshtui/ui/actions.py",
    "meshtui/ui/messages.py", "meshtui/ui/failures.py", "meshtui/ui/text.py", "meshtui/ui/tour.py",
    "meshtui/ui/widgets/tour_drawer.py", "meshtui/ui/screens/help.py", "meshtui/ui/panels/setup.py",
    "meshtui/ui/panels/setup_runs.py", "meshtui/ui/panels/setup_tools.py", "meshtui/ui/panels/setup_steps.py",
    "meshtui/ui/connection.py", "meshtui/ui/panels/resources.py",
    "meshtui/cli/main.py", "meshtui/cli/output.py", "meshtui/cli/context.py", "meshtui/cli/commands/status.py",
    "meshtui/cli/commands/usage.py", "meshtui/cli/commands/demo.py", "meshtui/cli/commands/tour.py",
    "meshtui/cli/commands/tui.py",
]


def test_mypy_is_clean_for_the_app_shell_setup_resources_tours_and_cli_core() -> None:
    """The typed seams themselves (ports, session, wiring) and the modules on them stay clean now."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--follow-imports=silent", *RUN_TIME_CORE], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
