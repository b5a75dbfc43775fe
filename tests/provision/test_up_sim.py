"""`meshtui up -p sim`: the whole pipeline against the simulator, resumable after a kill, then `down`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import MESHTUI, run_cli

STEPS = ["preflight", "cluster", "metrics-server", "istio", "namespaces", "manifests", "rollouts", "routes",
         "ingress"]


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def outcome(evs: list[dict]) -> dict[str, str]:
    return {e["step"]: e["event"] for e in evs if e["event"] in ("done", "skipped", "failed")}


def journal(state: Path) -> dict:
    return json.loads((state / "meshtui" / "up" / "sim.json").read_text())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "xdg-state"
    yield path
    pid = None
    try:
        pid = (journal(path)["created"].get("sim") or {}).get("pid")
    except (OSError, ValueError, KeyError):
        pass
    run_cli("down", "-p", "sim", "--yes", timeout=60)
    if isinstance(pid, int) and alive(pid):
        os.killpg(pid, signal.SIGKILL)


def test_up_runs_every_step_and_ends_with_a_green_ingress_check(state: Path) -> None:
    result = run_cli("up", "-p", "sim", "--json", timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    evs = events(result.stdout)
    assert outcome(evs) == {step: "done" for step in STEPS}
    ingress = next(e for e in evs if e["step"] == "ingress" and e["event"] == "done")
    assert ingress["text"].endswith("/api/healthz -> 200")
    order = [e["step"] for e in evs if e["event"] == "done"]
    assert order.index("cluster") < order.index("istio") < order.index("manifests") < order.index("ingress")
    # the cluster outlives `up`, and the usual commands work on it
    kubeconfig = state / "meshtui" / "up" / "sim" / "kubeconfig"
    status = run_cli("--kubeconfig", str(kubeconfig), "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["ingress"]["ok"] is True
    routes = run_cli("--kubeconfig", str(kubeconfig), "routes", "show", "catalog", "-n", "shop", "--json")
    assert routes.returncode == 0 and '"v1"' in routes.stdout
    # secrets from the profile's env never reach the output
    assert "shop-local-pw" not in result.stdout + result.stderr
    # a second run changes nothing and says so
    again = run_cli("up", "-p", "sim", "--json", timeout=120)
    assert again.returncode == 0
    assert set(outcome(events(again.stdout)).values()) == {"skipped"}
    down = run_cli("down", "-p", "sim", "--yes")
    assert down.returncode == 0, down.stderr
    assert not kubeconfig.exists() and not (state / "meshtui" / "up" / "sim.json").exists()


def test_killed_halfway_the_next_run_resumes_without_repeating_finished_steps(state: Path) -> None:
    proc = subprocess.Popen([str(MESHTUI), "up", "-p", "sim", "--json"], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    seen: list[dict] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    for line in proc.stdout:
        seen += events(line)
        if any(e["event"] == "done" and e["step"] == "istio" for e in seen) or time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)  # like closing the terminal: no cleanup runs
    proc.wait(10)
    finished_before = {e["step"] for e in seen if e["event"] == "done"}
    assert {"preflight", "cluster", "istio"} <= finished_before and "ingress" not in finished_before
    sim_pid = journal(state)["created"]["sim"]["pid"]
    assert alive(sim_pid)  # the cluster survives its creator, like a kind cluster

    result = run_cli("up", "-p", "sim", "--json", timeout=180)
    assert result.returncode == 0, result.stdout[-2000:]
    after = outcome(events(result.stdout))
    for step in finished_before:
        assert after[step] == "skipped", (step, after)
    assert after["ingress"] == "done"
    assert journal(state)["created"]["sim"]["pid"] == sim_pid  # no second cluster
    skipped = [e for e in events(result.stdout) if e["event"] == "skipped" and e["step"] == "cluster"]
    assert skipped[0]["text"] == "done in an earlier run"


def test_read_only_refuses_and_down_without_records_touches_nothing(state: Path) -> None:
    refused = run_cli("--read-only", "up", "-p", "sim")
    assert refused.returncode == 3 and "read-only" in refused.stderr
    nothing = run_cli("down", "-p", "sim", "--yes")
    assert nothing.returncode == 0 and "nothing to remove" in nothing.stdout
    unattended = run_cli("up", "-p", "no-such-profile")
    assert unattended.returncode == 2 and "Traceback" not in unattended.stderr
