"""Everyday commands against kubectl and against the floor the official client sets (issue 17, point 4).

`meshtui status`, `meshtui logs deploy/catalog-v1 --tail 10` and `meshtui routes show catalog` are timed
beside kubectl doing the same job on the same simulated cluster, and beside the floor: a Python process that
only imports `kubernetes.config` (what any command that talks to a cluster must load, since meshtui reaches
clusters only through the official client). Runs are interleaved (one of each per round) so a busy machine
slows every column alike. Printed per command: median seconds, ratio to kubectl, and the time above the floor
(what meshtui's own imports and work cost). meshtui's bytecode is cached first, as the
official client's is (see `benchmarks/bytecode.py`; `--bytecode as-is` to skip).

Run: .venv/bin/python -m benchmarks.everyday [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bytecode
from benchmarks.common import MESHTUI, report, start_sim


def once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    bytecode.add_option(parser)
    options = parser.parse_args()
    rounds = options.rounds
    compiled = bytecode.prepare(options.bytecode)
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise SystemExit("kubectl is not on PATH: it is this benchmark's yardstick")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        proc, _url, kubeconfig = start_sim(tmp)
        try:
            env = {**os.environ, "KUBECONFIG": str(kubeconfig), "XDG_STATE_HOME": str(tmp / "state"),
                   "XDG_CONFIG_HOME": str(tmp / "config")}
            jobs = {
                "status": ([str(MESHTUI), "status"], [kubectl, "get", "nodes,pods", "-A"]),
                "logs --tail 10": ([str(MESHTUI), "logs", "deploy/catalog-v1", "-n", "shop", "--tail", "10",
                                    "--no-follow"],
                                   [kubectl, "logs", "deploy/catalog-v1", "-n", "shop", "--tail", "10"]),
                "routes show": ([str(MESHTUI), "routes", "show", "catalog", "-n", "shop"],
                                [kubectl, "get", "virtualservice,destinationrule", "catalog", "-n", "shop"]),
            }
            floor_argv = [sys.executable, "-c", "import kubernetes.config"]
            times: dict[str, list[float]] = {"floor": [], "python -c pass": []}
            for name in jobs:
                times[f"meshtui {name}"] = []
                times[f"kubectl ({name})"] = []
            for _ in range(rounds):
                times["floor"].append(once(floor_argv, env))
                times["python -c pass"].append(once([sys.executable, "-c", "pass"], env))
                for name, (ours, theirs) in jobs.items():
                    times[f"meshtui {name}"].append(once(ours, env))
                    times[f"kubectl ({name})"].append(once(theirs, env))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    median = {name: statistics.median(values) for name, values in times.items()}
    data: dict[str, object] = {"rounds": rounds, "meshtui bytecode": compiled, "median_seconds": median,
                               "floor": "python -c 'import kubernetes.config' (the official client)"}
    for name in jobs:
        ours, theirs = median[f"meshtui {name}"], median[f"kubectl ({name})"]
        data[name] = {"ratio_to_kubectl": round(ours / theirs, 2), "above_floor_s": round(ours - median["floor"], 3),
                      "ratio_to_floor": round(ours / median["floor"], 2)}
    report("everyday", data)


if __name__ == "__main__":
    main()
