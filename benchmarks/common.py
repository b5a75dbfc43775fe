"""Helpers shared by the benchmark scripts: timing, process CPU, and result output."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MESHTUI = BIN / "meshtui"


def post(url: str, body: dict) -> dict:
    """POST a JSON body to a `/_sim` control and decode the answer."""
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=120).read())


def start_sim(tmp: Path) -> tuple[subprocess.Popen, str, Path]:
    """`meshtui demo --serve` in its own process, no traffic or crashes: (process, API URL, kubeconfig)."""
    kubeconfig = tmp / "kubeconfig"
    proc = subprocess.Popen([str(MESHTUI), "demo", "--serve", "--json", "--rate", "0", "--no-crashes",
                             "--kubeconfig", str(kubeconfig)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "XDG_STATE_HOME": str(tmp)})
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())["url"], kubeconfig


def time_command(argv: Sequence[str], runs: int = 10, env: dict[str, str] | None = None) -> list[float]:
    """Wall time of `argv` over `runs` runs (first run included: it is the cold one)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(list(argv), capture_output=True, env={**os.environ, **(env or {})}, check=False)
        times.append(time.perf_counter() - started)
    return times


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def report(name: str, data: dict) -> None:
    """Print a result and append it to benchmarks/results/<name>.json for the record."""
    print(json.dumps(data, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"), **data}, indent=2))
