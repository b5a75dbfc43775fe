"""The README screenshot script runs and saves every panel plus a tour step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.timeout(900)
def test_screenshot_script_saves_every_panel_and_a_tour(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "assets" / "screenshots" / "generate.py"), "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=840)
    assert result.returncode == 0, result.stderr[-3000:]
    names = {p.stem for p in tmp_path.glob("*.svg")}
    assert names == {"overview", "logs", "resources", "traffic", "setup", "tour"}
    assert "Canary" in (tmp_path / "tour.svg").read_text()
    for name in ("overview", "logs", "resources", "traffic", "setup"):
        assert "meshtui-sim" in (tmp_path / f"{name}.svg").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert f"assets/screenshots/{name}.svg" in readme
