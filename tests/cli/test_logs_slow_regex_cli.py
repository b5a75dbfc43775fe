"""`meshtui logs` says when a user regex was too slow on some lines (they count as not matching): once, then the total."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.cli.test_logs_cli import env_for, pods_of, start
from tests.conftest import SimCluster, run_cli
from tests.services.log_oracle import post, wait

SLOW_RE = "(a|a)*$"
"""Exponential on a run of a's that does not end the line: never done within 0.05 s; any other line matches."""
SLOW_LINE = "a" * 40 + "!"


def _log(sim: SimCluster, pod: str, lines: list[str]) -> None:
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "orders", "lines": lines})


def test_no_follow_says_once_how_many_lines_a_slow_regex_left_out(sim: SimCluster) -> None:
    pod = pods_of(sim, "app=orders")[0]
    _log(sim, pod, ["kept 1", SLOW_LINE, SLOW_LINE, "kept 2", SLOW_LINE])
    result = run_cli("logs", "-n", "shop", f"pod/{pod}", "-c", "orders", "-i", SLOW_RE, "--no-follow",
                     env=env_for(sim), timeout=60)
    assert result.returncode == 0, result.stderr
    assert [line.split(" ", 2)[2] for line in result.stdout.splitlines()][-2:] == ["kept 1", "kept 2"]
    assert SLOW_LINE not in result.stdout
    assert [line for line in result.stderr.splitlines() if "regex" in line] == [
        "meshtui: regex too slow: 3 lines took over 0.05 s each and count as not matching; simplify it"]


def test_follow_json_notice_once_then_the_total_at_the_end(sim: SimCluster, tmp_path: Path) -> None:
    pod = pods_of(sim, "app=orders")[0]
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"

    def notes() -> list[dict]:
        return [json.loads(raw) for raw in err.read_text().splitlines() if '"slow regex"' in raw]

    def said() -> list[str]:
        return [json.loads(raw)["line"] for raw in out.read_text().splitlines() if raw.endswith("}")]
    proc = start(sim, out, err, "-n", "shop", f"pod/{pod}", "-c", "orders", "--tail", "1", "--json", "-i", SLOW_RE)
    try:
        wait(lambda: len(said()) == 1, 30, "the last line written before (following now)", lambda: err.read_text())
        _log(sim, pod, [SLOW_LINE, "kept 1", SLOW_LINE])
        wait(lambda: "kept 1" in said() and notes(), 30, "the line kept and the notice", lambda: err.read_text())
        first = notes()
        assert len(first) == 1 and first[0]["timeouts"] in (1, 2), first
        assert first[0]["message"] == (f"regex too slow: {first[0]['timeouts']} lines took over 0.05 s each and "
                                       "count as not matching; simplify it")
        _log(sim, pod, [SLOW_LINE] * 3 + ["kept 2"])
        wait(lambda: "kept 2" in said(), 30, "the next kept line", lambda: err.read_text())
        assert len(notes()) == 1  # once, not per line
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 143  # the exit code as before
    assert SLOW_LINE not in said()
    last = notes()[-1]
    assert len(notes()) == 2 and last["timeouts"] == 5
    assert last["message"] == ("regex too slow, in all: 5 lines took over 0.05 s each and count as not matching; "
                               "simplify it")


def test_a_regex_slow_on_every_line_is_given_up_and_said(sim: SimCluster) -> None:
    """A reviewer's `--no-follow -i` with a pattern slow on every line ran 277 s (0.05 s a line, no end in
    sight, SIGTERM unanswered): after 2 s lost the pattern is given up, matches nothing, and the notice says
    so; the command ends with what it kept."""
    pod = pods_of(sim, "app=orders")[0]
    _log(sim, pod, ["kept 1", *[SLOW_LINE] * 120])
    result = run_cli("logs", "-n", "shop", f"pod/{pod}", "-c", "orders", "-i", SLOW_RE, "--no-follow",
                     env=env_for(sim), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "kept 1" in result.stdout and SLOW_LINE not in result.stdout
    notes = [line for line in result.stderr.splitlines() if "regex too slow" in line]
    assert len(notes) == 1 and "given up after 2 s lost: nothing matches it any more" in notes[0], notes
    timed_out = int(notes[0].split("regex too slow: ")[1].split(" ")[0].replace(",", ""))
    assert timed_out < 120, notes  # the lines after the give-up were not tried at all
