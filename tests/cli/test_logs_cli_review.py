"""`meshtui logs` review (issue 13): plain reconnect notices, the real config path in --help, bounded numbers,
and `--json` that stays valid for lines that are not UTF-8; through the entry point, against the sim."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from meshtui.domain.errors import UsageError
from meshtui.services.log_query import parse_query
from tests.cli.test_logs_cli import env_for, pods_of, start
from tests.conftest import MESHTUI, SimCluster, SimFactory, run_cli
from tests.services.log_oracle import post, wait

RAW_WORDS = ("ProtocolError", "HTTPConnectionPool", "Connection broken", "IncompleteRead", "(HTTP 5",
             "Internal error occurred", "urllib3")
PLAIN = re.compile(r"meshtui: shop/[a-z0-9-]+/catalog \(#0\): (stream cut|API answered 500); reconnected after "
                   r"\d+\.\d\d s on attempt \d+, resuming from (its first line|the line at \d{4}-\d\d-\d\dT[\d:.]+Z)")


def test_reconnect_notices_say_what_happened_in_plain_words(sim_factory: SimFactory, tmp_path: Path) -> None:
    sim = sim_factory()
    pod = pods_of(sim, "app=catalog")[0]
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog",
                            "lines": [f"line {i}" for i in range(60)]})
    args = ("-n", "shop", f"pod/{pod}", "-c", "catalog", "--no-follow")
    causes: set[str] = set()
    plain: list[str] = []
    sim.set_faults(drop_log_streams_after=7, api_error_rate=0.4)
    try:
        for _ in range(15):  # a 500 starts an outage only on a read's first request: try until one did
            result = run_cli("logs", *args, "--json", env=env_for(sim))
            notices = [json.loads(line) for line in result.stderr.splitlines()]
            for notice in (n for n in notices if n["notice"] == "reconnected"):
                assert notice["message"] in ("stream cut", "API answered 500"), notice
                assert notice["cause"] == ("api_error" if notice["message"].startswith("API") else "stream_cut")
                assert notice["status"] == 500 if notice["cause"] == "api_error" else "status" not in notice
                assert notice["attempts"] >= 2 and notice["seconds"] >= 0
                assert not any(word in notice["text"] for word in RAW_WORDS), notice
                causes.add(notice["message"])
            text = run_cli("logs", *args, "--timestamps", env=env_for(sim))
            plain += [line for line in text.stderr.splitlines() if "reconnected" in line]
            if causes == {"stream cut", "API answered 500"} and plain:
                break
    finally:
        sim.set_faults(drop_log_streams_after=0, api_error_rate=0)
    assert causes == {"stream cut", "API answered 500"}
    assert plain and all(PLAIN.fullmatch(line) for line in plain), plain
    # a follow says it the same way
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    proc = start(sim, out, err, "-n", "shop", f"pod/{pod}", "-c", "catalog", "--tail", "1")
    try:
        wait(lambda: out.read_text().count("\n") == 1, 30, "the last line written before (following now)")
        sim.set_faults(drop_log_streams_after=2)
        post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog",
                                "lines": [f"more {i}" for i in range(6)]})
        wait(lambda: "more 5" in out.read_text() and "reconnected" in err.read_text(), 30, "the cut stream resumed")
    finally:
        sim.set_faults(drop_log_streams_after=0)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    lines = [line for line in err.read_text().splitlines() if "reconnected" in line]
    assert lines and all(PLAIN.fullmatch(line) for line in lines), lines


def test_help_shows_the_config_file_actually_read(tmp_path: Path) -> None:
    config = tmp_path / "my config home"
    result = run_cli("logs", "--help", env={"XDG_CONFIG_HOME": str(config)})
    assert result.returncode == 0
    assert f"log_buffer_lines in {config / 'meshtui' / 'config.yaml'}" in result.stdout, result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--buffer", "99999999999999999999"], "--buffer must be 100 to 1,000,000 lines (got 99999999999999999999)"),
    (["--buffer", "1000001"], "--buffer must be 100 to 1,000,000 lines (got 1000001)"),
    (["--buffer", "0"], "--buffer must be 100 to 1,000,000 lines (got 0)"),
    (["--buffer", "lots"], "--buffer must be 100 to 1,000,000 lines (got 'lots')"),
    (["--buffer", "9" * 5000], "--buffer must be 100 to 1,000,000 lines (got 999999999999999999999… (5000 chars))"),
    (["--tail", "99999999999999999999"],
     "--tail must be -1 (all lines) or 0 to 1,000,000,000 lines (got 99999999999999999999)"),
    (["--tail", "-5"], "--tail must be -1 (all lines) or 0 to 1,000,000,000 lines (got -5)"),
    (["--tail", "x"], "--tail must be -1 (all lines) or 0 to 1,000,000,000 lines (got 'x')"),
    (["--since", "9" * 5000 + "s"], "--since is too long: '999999999999999999999… (5001 chars)' (at most 2562047h"),
    (["--since", "99999999999h"], "--since is too long: '99999999999h' (at most 2562047h"),
])
def test_numbers_out_of_bounds_are_one_message_and_exit_2(sim: SimCluster, args: list[str], message: str) -> None:
    result = run_cli("logs", *args, "--no-follow", env=env_for(sim))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < 600, result.stderr  # said once, not echoed back in full
    with pytest.raises(UsageError) as info:  # the Logs panel's query box: the same parser, the same words
        parse_query(" ".join(args))
    assert message in str(info.value)


def test_bounds_keep_what_was_accepted(sim: SimCluster) -> None:
    for args in (["--buffer", "1000000"], ["--buffer", "100"], ["--tail", "-1"], ["--tail", "1000000000"],
                 ["--since", "2562047h"]):
        result = run_cli("logs", "-n", "shop", "catalog-v1", "-c", "catalog", *args, "--no-follow", env=env_for(sim))
        assert result.returncode == 0, (args, result.stderr)


BAD = ["bad \udcff\udcfe end", "half \udce2\udc82 euro", "fine é"]
"""Lines whose bytes are not UTF-8 (`surrogateescape`: \\udcff is the byte 0xff), and one that is."""


def test_json_stays_valid_for_lines_that_are_not_utf8(sim: SimCluster, tmp_path: Path) -> None:
    pod = pods_of(sim, "app=catalog")[0]
    lines = BAD + ['{"msg": "\\ud800 lone", "level": "warn"}']  # a JSON escape of a lone surrogate, all ASCII
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "catalog", "lines": lines})
    exact = [line.encode("utf-8", "surrogateescape") for line in lines]

    def check(stdout: bytes) -> None:
        rows = [json.loads(line) for line in stdout.decode("utf-8").splitlines()]  # strict UTF-8, valid JSON
        rows = [r for r in rows if "line" in r][-len(lines):]
        assert [r["line"] for r in rows] == [e.decode("utf-8", "replace") for e in exact]
        assert [base64.b64decode(r["line_base64"]) if "line_base64" in r else None for r in rows] == \
            [exact[0], exact[1], None, None]
        assert rows[3]["fields"]["level"] == "warn" and rows[3]["fields"]["msg"] == "\ud800 lone"

    args = ("-n", "shop", f"pod/{pod}", "-c", "catalog", "--json")
    for extra in ([], ["-i", "."]):  # every line, and through a filter
        result = subprocess.run([str(MESHTUI), "logs", *args, *extra, "--no-follow"], capture_output=True,
                                env={**os.environ, **env_for(sim)}, timeout=120)
        assert result.returncode == 0, result.stderr
        check(result.stdout)
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    proc = start(sim, out, err, *args, "--tail", "4")
    try:
        wait(lambda: out.read_bytes().count(b"\n") >= 4, 30, "the four lines, followed")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert proc.returncode == 143, err.read_text()
    check(out.read_bytes())
