"""Time from `meshtui demo --serve` to the first successful `kubectl get pods` (goal < 2 s),
and to all shop pods Ready; plus the flood rate the server sustains.

Run: .venv/bin/python -m benchmarks.sim_startup
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import MESHTUI, report, summary


def one_start(tmp: Path) -> tuple[float, float]:
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen([str(MESHTUI), "demo", "--serve", "--kubeconfig", str(kubeconfig), "--rate", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "XDG_STATE_HOME": str(tmp)})
    first = ready = None
    try:
        while time.perf_counter() - started < 30:
            if kubeconfig.exists():
                out = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "get", "pods", "-n", "shop",
                                      "--no-headers"], capture_output=True, text=True)
                if out.returncode == 0:
                    first = first or time.perf_counter() - started
                    if out.stdout.count("2/2") >= 8:
                        ready = time.perf_counter() - started
                        break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    return first or float("nan"), ready or float("nan")


def flood_rate(tmp: Path) -> float:
    from meshtui.sim import SimCluster, SimOptions

    with SimCluster(SimOptions(rate=0, crashes=False, speed=4), kubeconfig=tmp / "kc-flood") as sim:
        sim.wait_ready()
        body = json.dumps({"namespace": "shop", "selector": "app in (catalog,ratings)", "lines": 200_000, "rate": 0})
        started = time.perf_counter()
        urllib.request.urlopen(urllib.request.Request(sim.url + "/_sim/flood", data=body.encode(), method="POST")).read()
        while True:
            stats = json.loads(urllib.request.urlopen(sim.url + "/_sim/stats").read())["log_lines"]
            total = sum(n for k, n in stats.items() if k.endswith(("/catalog", "/ratings")))
            if total >= 200_000:
                return 200_000 / (time.perf_counter() - started)
            time.sleep(0.01)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        runs = [one_start(tmp) for _ in range(5)]
        data = {"first kubectl get pods (s)": summary([r[0] for r in runs]),
                "all shop pods 2/2 Ready (s)": summary([r[1] for r in runs]),
                "flood lines/s (200k lines, 5 pods, rate 0)": round(flood_rate(tmp)),
                "goal_seconds": 2.0}
        data["met"] = data["first kubectl get pods (s)"]["median"] < 2.0
        report("sim_startup", data)


if __name__ == "__main__":
    main()
