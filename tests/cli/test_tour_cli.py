"""`meshtui tour NAME`: a damaged progress file is said on stderr (and moved aside), a newer one refused (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SimCluster, run_cli


def progress_file(tmp_path: Path) -> Path:
    path = tmp_path / "xdg-state" / "meshtui" / "tours" / "canary.json"
    path.parent.mkdir(parents=True)
    return path


def test_a_damaged_progress_file_is_said_on_stderr_and_moved_aside(tmp_path: Path) -> None:
    path = progress_file(tmp_path)
    path.write_text('{"context": "meshtui-sim", "step": "traffic", "baseline": {"shop/catalog": "zzz"}}')
    result = run_cli("tour", "canary", "--validate")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    moved = list(path.parent.glob("canary.json.corrupt-*"))
    assert len(moved) == 1 and not path.exists()
    notice = [line for line in result.stderr.splitlines() if "moved it to" in line]
    assert len(notice) == 1 and str(path) in notice[0] and str(moved[0]) in notice[0]
    assert "ok" in result.stdout  # the tour itself is fine


def test_a_progress_file_from_a_newer_meshtui_is_refused_before_the_tui_opens(sim: SimCluster,
                                                                              tmp_path: Path) -> None:
    path = progress_file(tmp_path)
    text = json.dumps({"version": 99, "clusters": {}})
    path.write_text(text)
    result = run_cli("tour", "canary", env={"KUBECONFIG": str(sim.kubeconfig)}, input="", timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "newer meshtui" in result.stderr and str(path) in result.stderr
    assert path.read_text() == text and not list(path.parent.glob("*.corrupt-*"))
