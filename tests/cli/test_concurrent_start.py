"""Many meshtui processes at once on a busy machine: none may fail on a half-imported HTTP stack.

`doctor` checks Docker and the kube context from threads, and both SDKs import `requests`;
before the imports were serialised, about one run in three failed this way under load.
`up` runs its steps on a thread pool (preflight is the threaded doctor again); it imports
both stacks in the main thread before its first worker starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import MESHTUI, FakeTools

RUNS = 50
BROKEN = ("internal error", "Traceback", "has no attribute", "cannot import name")


def _burners(count: int) -> list[subprocess.Popen[bytes]]:
    """CPU hogs, so the imports interleave as they do on a loaded CI machine (bounded to 300 s)."""
    code = "import time\nend = time.monotonic() + 300\nwhile time.monotonic() < end: pass\n"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]


def test_fifty_concurrent_doctor_runs_under_load_never_hit_an_import_race(tmp_path: Path) -> None:
    burners = _burners(2)
    procs: list[tuple[subprocess.Popen[str], Path]] = []
    try:
        for i in range(RUNS):
            home = tmp_path / f"run{i}"
            env = {**os.environ, "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config")}
            out = home / "out.txt"
            home.mkdir()
            with out.open("w") as sink:
                procs.append((subprocess.Popen([str(MESHTUI), "doctor", "--json"], stdout=sink,
                                               stderr=subprocess.STDOUT, text=True, env=env), out))
        deadline = time.monotonic() + 280
        for proc, _ in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
        for burner in burners:
            burner.kill()
            burner.wait()
    failures = []
    for proc, out in procs:
        text = out.read_text()
        if proc.returncode not in (0, 1) or any(marker in text for marker in BROKEN):
            failures.append(f"exit {proc.returncode}: {text[-300:]}")
    assert not failures, f"{len(failures)} of {RUNS} runs broke:\n" + "\n".join(failures[:3])


def test_fifty_concurrent_up_runs_under_load_never_hit_an_import_race(tmp_path: Path, fake_tools: FakeTools) -> None:
    """`up -p minimal` with fake tools whose `kind create cluster` fails: every run goes through the threaded
    path (the runner's pool, preflight's threaded doctor checks importing the docker SDK and the kubernetes client,
    the cluster step's tool calls) and must end in a reported step failure, never in an import race, without
    starting fifty clusters."""
    fake_tools.configure(fail={"kind create cluster": 1})
    burners = _burners(2)
    procs: list[tuple[subprocess.Popen[str], Path]] = []
    try:
        for i in range(RUNS):
            home = tmp_path / f"up{i}"
            env = {**os.environ, "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config")}
            out = home / "out.txt"
            home.mkdir()
            with out.open("w") as sink:
                procs.append((subprocess.Popen([str(MESHTUI), "up", "-p", "minimal", "--json"], stdout=sink,
                                               stderr=subprocess.STDOUT, text=True, env=env), out))
        deadline = time.monotonic() + 400
        for proc, _ in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.kill()
        for burner in burners:
            burner.kill()
            burner.wait()
    failures = []
    for proc, out in procs:
        text = out.read_text()
        ended = [json.loads(line) for line in text.splitlines() if line.startswith('{"event": "finished"')]
        if proc.returncode != 1 or any(marker in text for marker in BROKEN) or "up failed at" not in text \
                or len(ended) != 1:
            failures.append(f"exit {proc.returncode}: {text[-300:]}")
    assert not failures, f"{len(failures)} of {RUNS} runs broke:\n" + "\n".join(failures[:3])
