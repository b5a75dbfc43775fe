"""Many meshtui processes at once on a busy machine: none may fail on a half-imported HTTP stack.

`doctor` checks Docker and the kube context from threads, and both SDKs import `requests`;
before the imports were serialised, about one run in three failed this way under load.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import MESHTUI

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
