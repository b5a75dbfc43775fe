"""`meshtui logs --no-follow` on 200,000 lines from 20 pods, beside the wire and `kubectl logs`.

The simulator runs in its own process with 200,000 lines spread over 20 pods. Measured
back to back, alternating, `--runs` times each (medians):
- meshtui: `meshtui logs -n flood -l app=flood --tail=-1 --no-follow` to a pipe;
- wire: curl fetching the very URLs meshtui fetches (20 in parallel, `timestamps=true`);
- kubectl: `kubectl logs -l app=flood --prefix --tail=-1 --max-log-requests=20`.
Streaming alone is a run's time minus the same tool's time for `--tail 1` on the same
pods (start-up, the pod list and the 20 requests cost the same either way).
Goals (issue 17): meshtui's streaming <= 2x the wire's; the whole command <= 0.3x kubectl.
meshtui's bytecode is cached first (see `benchmarks/bytecode.py`; `--bytecode as-is` to skip).

Run: .venv/bin/python -m benchmarks.logs_vs_kubectl [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import bytecode
from benchmarks.common import MESHTUI, post, report, start_sim

PODS, LINES = 20, 200_000


def wait_lines(url: str, namespace: str, total: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = json.loads(urllib.request.urlopen(url + "/_sim/stats").read())
        if stats.get("floods_running") == 0 and sum(
                n for k, n in stats["log_lines"].items() if k.startswith(f"{namespace}/")) >= total:
            return
        time.sleep(0.1)
    raise TimeoutError("flood did not finish")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - started, out.stdout.count(b"\n")


def commands(url: str, tail: str) -> dict[str, list[str]]:
    pods = [f"flood-{i:05d}" for i in range(PODS)]
    query = "container=app&timestamps=true" + ("" if tail == "-1" else f"&tailLines={tail}")
    curl = ["curl", "-s", "--parallel", "--parallel-max", str(PODS)]
    for pod in pods:
        curl += [f"{url}/api/v1/namespaces/flood/pods/{pod}/log?{query}", "-o", "/dev/null"]
    return {"meshtui": [str(MESHTUI), "logs", "-n", "flood", "-l", "app=flood", f"--tail={tail}", "--no-follow"],
            "wire (curl)": curl,
            "kubectl": ["kubectl", "logs", "-n", "flood", "-l", "app=flood", "--prefix", f"--max-log-requests={PODS}",
                        f"--tail={tail}"]}


def compare(url: str, kubeconfig: Path, runs: int) -> dict:
    post(url + "/_sim/pods", {"namespace": "flood", "pods": PODS, "app": "flood"})
    post(url + "/_sim/flood", {"namespace": "flood", "selector": "app=flood", "lines": LINES, "rate": 0})
    wait_lines(url, "flood", LINES + PODS)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "XDG_STATE_HOME": str(kubeconfig.parent / "state"),
           "XDG_CONFIG_HOME": str(kubeconfig.parent / "config")}  # never the user's own meshtui directories
    tools = [name for name in commands(url, "-1") if name != "wire (curl)" or shutil.which("curl")]
    times: dict[tuple[str, str], list[float]] = {}
    counts: dict[str, int] = {}
    for _ in range(runs):
        for tail in ("-1", "1"):
            argv = commands(url, tail)
            for name in tools:
                seconds, lines = timed(argv[name], env)
                times.setdefault((name, tail), []).append(seconds)
                if tail == "-1":
                    counts[name] = lines
    med = {key: statistics.median(values) for key, values in times.items()}
    whole = {name: round(med[(name, "-1")], 3) for name in tools}
    stream = {name: round(med[(name, "-1")] - med[(name, "1")], 3) for name in tools}
    data: dict[str, object] = {
        "lines": LINES, "pods": PODS, "runs (alternating)": runs, "median seconds, whole command": whole,
        "median seconds, --tail 1 (start-up + requests)": {n: round(med[(n, "1")], 3) for n in tools},
        "streaming alone (whole - tail 1)": stream,
        "lines printed": {n: c for n, c in counts.items() if n != "wire (curl)"},
        "ratio meshtui/kubectl (whole command, goal <= 0.3)": round(whole["meshtui"] / whole["kubectl"], 2)}
    if "wire (curl)" in tools:
        data["ratio meshtui/wire (streaming, goal <= 2)"] = round(stream["meshtui"] / max(stream["wire (curl)"], 1e-3), 2)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    bytecode.add_option(parser)
    args = parser.parse_args()
    compiled = bytecode.prepare(args.bytecode)
    with tempfile.TemporaryDirectory() as d:
        proc, url, kubeconfig = start_sim(Path(d))
        try:
            data = {"meshtui bytecode": compiled, **compare(url, kubeconfig, args.runs)}
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
        report("logs_cli", data)


if __name__ == "__main__":
    main()
