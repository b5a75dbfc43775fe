"""`meshtui logs` over a query that matches many containers, `--max-log-requests`, and `-f`."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.cli.test_logs_cli import env_for, start
from tests.conftest import SimCluster, run_cli
from tests.services.log_oracle import post, wait


def test_a_follow_over_the_default_cap_is_refused_clearly(sim: SimCluster) -> None:
    post(sim, "/_sim/pods", {"namespace": "load", "pods": 60})
    result = run_cli("logs", "-n", "load", env=env_for(sim), timeout=60)
    assert result.returncode == 2, result.stderr
    assert "matches 60 containers; meshtui logs follows at most 50 at once" in result.stderr
    assert "--max-log-requests N" in result.stderr and not result.stdout


def test_an_explicit_cap_follows_the_first_n_and_says_so_once(sim: SimCluster, tmp_path: Path) -> None:
    post(sim, "/_sim/pods", {"namespace": "load", "pods": 60})
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    proc = start(sim, out, err, "-n", "load", "--max-log-requests", "5", "--json", "-f")
    try:
        def pods() -> set[str]:
            return {json.loads(raw)["pod"] for raw in out.read_text().splitlines() if raw.endswith("}")}
        wait(lambda: len(pods()) == 5 and '"capped"' in err.read_text(), 30, "five pods' lines and the notice",
             lambda: err.read_text())
        assert pods() == {f"load-{i:05d}" for i in range(5)}
        notices = [json.loads(raw) for raw in err.read_text().splitlines() if '"capped"' in raw]
        assert len(notices) == 1 and "following 5 of 60 matching containers" in notices[0]["message"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 143


def test_max_log_requests_bounds_and_no_follow_reads_everything(sim: SimCluster) -> None:
    post(sim, "/_sim/pods", {"namespace": "load", "pods": 60})
    for bad in ("0", "-1", "x", "10001"):
        result = run_cli("logs", "-n", "load", "--max-log-requests", bad, env=env_for(sim), timeout=60)
        assert result.returncode == 2 and "--max-log-requests must be 1 to 10,000 containers" in result.stderr
    result = run_cli("logs", "-n", "load", "--no-follow", "--max-log-requests", "3", env=env_for(sim), timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 60


def test_f_is_accepted_and_conflicts_with_no_follow(sim: SimCluster, tmp_path: Path) -> None:
    result = run_cli("logs", "-n", "shop", "-f", "--no-follow", env=env_for(sim), timeout=60)
    assert result.returncode == 2
    assert "-f/--follow and --no-follow cannot be used together" in result.stderr
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    proc = start(sim, out, err, "-n", "shop", "-l", "app=catalog", "-c", "^catalog$", "-f")
    try:
        wait(lambda: out.stat().st_size > 0, 30, "lines while following", lambda: err.read_text())
        assert "unrecognized" not in err.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 143
    help_text = run_cli("logs", "--help").stdout
    assert "-f, --follow" in help_text and "--max-log-requests N" in help_text
