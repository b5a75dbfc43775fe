"""State files are owned and validated: real processes, real journals, the real CLI.

A journal that cannot be read is moved aside with a message (never reset in silence,
never a traceback); a recorded process is signalled only while PID, start time and
command line all match; after the simulated cluster died, `up` redoes the work that
died with it; a lost journal never yields a second simulated cluster or an orphan.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import run_cli

BROKEN = ("Traceback", "internal error")


def journal_file(state: Path) -> Path:
    return state / "meshtui" / "up" / "sim.json"


def sims(state: Path) -> list[psutil.Process]:
    """Simulated clusters serving this test's state directory (their command line names its kubeconfig)."""
    wanted = str(state / "meshtui" / "up" / "sim" / "kubeconfig")
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if wanted in (proc.info["cmdline"] or []) and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def outcome(stdout: str) -> dict[str, str]:
    return {e["step"]: e["event"] for e in events(stdout) if e["event"] in ("done", "skipped", "failed")}


def wait_gone(procs: list[psutil.Process], timeout: float = 30) -> None:
    _gone, alive = psutil.wait_procs(procs, timeout=timeout)
    assert not alive, f"still running: {alive}"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "xdg-state"
    yield path
    run_cli("down", "-p", "sim", "--yes", timeout=60)
    for proc in sims(path):  # whatever `down` did not stop, this test started: stop it
        proc.kill()


@pytest.mark.parametrize("content", [
    b"\x00\xff garbage \x1b]0;title\x07",
    b'{"version": 1, "steps": {"preflight": {"status": "done", "fini',
    b'{"steps": [1, 2]}',
    b'{"steps": {}, "created": {"sim_pid": 4242}}',
    b'{"version": 1, "steps": {}, "created": {"sim": {"pid": ' + b"9" * 5000 + b"}}}",
    b"[" * 100_000,
    b"",
], ids=["garbage", "truncated", "steps-list", "old-format", "huge-int", "deep", "empty"])
def test_an_unreadable_journal_is_moved_aside_with_a_message(content: bytes, state: Path) -> None:
    path = journal_file(state)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    result = run_cli("down", "-p", "sim", "--yes")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not any(marker in output for marker in BROKEN)
    assert "unreadable" in output and "moved it to" in output and "\x1b" not in output
    moved = list(path.parent.glob("sim.json.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == content  # kept as it was, for the user to look at
    assert not path.exists()


def test_a_journal_from_a_newer_meshtui_is_left_alone(state: Path) -> None:
    path = journal_file(state)
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 7, "steps": {}, "future": true}')
    result = run_cli("down", "-p", "sim", "--yes")
    assert result.returncode == 2 and "newer meshtui" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text().startswith('{"version": 7')


def _identity(proc: psutil.Process) -> dict:
    return {"pid": proc.pid, "started": proc.create_time(), "cmdline": proc.cmdline()}


def test_a_recorded_pid_that_belongs_to_another_program_is_never_signalled(state: Path, tmp_path: Path) -> None:
    # a process group leader, as the simulated cluster is: the old `down` killed its whole group by PID alone
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    try:
        proc = psutil.Process(bystander.pid)
        deadline = time.monotonic() + 30
        while not proc.cmdline() and time.monotonic() < deadline:  # until exec has set up the arguments
            time.sleep(0.01)
        sim_cmdline = [sys.executable, "-m", "meshtui", "demo", "--serve", "--empty", "--no-metrics", "--no-crashes",
                       "--kubeconfig", str(state / "meshtui" / "up" / "sim" / "kubeconfig")]
        records = [{**_identity(proc), "cmdline": sim_cmdline},  # the PID reused by another program
                   {**_identity(proc), "started": proc.create_time() - 3600}]  # same command, older process
        for record in records:
            path = journal_file(state)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"version": 1, "steps": {}, "created": {
                "cluster": "meshtui-sim", "context": "meshtui-sim", "sim": record}}))
            result = run_cli("down", "-p", "sim", "--yes")
            assert result.returncode == 0, result.stdout + result.stderr
            assert f"pid {bystander.pid} is not running any more" in result.stdout
            assert bystander.poll() is None and proc.is_running()
    finally:
        bystander.kill()
        bystander.wait()


def test_after_the_simulated_cluster_died_up_redoes_its_work(state: Path) -> None:
    first = run_cli("up", "-p", "sim", "--json", timeout=240)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    [sim] = sims(state)
    os.killpg(sim.pid, signal.SIGKILL)  # the cluster dies; the journal still says every step is done
    wait_gone([sim])
    again = run_cli("up", "-p", "sim", "--json", timeout=240)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr
    after = outcome(again.stdout)
    for step in ("cluster", "namespaces", "manifests", "rollouts", "routes", "ingress"):
        assert after[step] == "done", (step, after)  # redone, not "done in an earlier run"
    [new] = sims(state)
    assert new.pid != sim.pid
    assert json.loads(journal_file(state).read_text())["created"]["sim"]["pid"] == new.pid


def test_a_lost_journal_never_leaves_a_second_sim_or_an_orphan(state: Path) -> None:
    first = run_cli("up", "-p", "sim", "--json", timeout=240)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    [sim] = sims(state)
    journal_file(state).write_text("{ this is not json")
    again = run_cli("up", "-p", "sim", "--json", timeout=240)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr
    notices = [e["text"] for e in events(again.stdout) if e["event"] == "notice"]
    assert notices and "moved it to" in notices[0]
    assert [p.pid for p in sims(state)] == [sim.pid]  # the running cluster was recognised, not duplicated
    assert outcome(again.stdout)["cluster"] == "skipped"
    journal_file(state).unlink()  # gone entirely: `down` still finds what meshtui started
    down = run_cli("down", "-p", "sim", "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"stopping the simulated cluster (pid {sim.pid})" in down.stdout
    wait_gone([sim])
    assert sims(state) == [] and not (state / "meshtui" / "up" / "sim" / "kubeconfig").exists()
