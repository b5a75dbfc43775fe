"""The Overview at 20,000 pods, against `kubectl get pods -A` on the same simulated cluster, same run.

The simulated API server runs in its own process (`meshtui demo --serve`) holding 20,000
extra running pods (`POST /_sim/pods`). Measured, each run alternating with kubectl:

- full table, real binary: `meshtui --kubeconfig K` started in a fresh tmux server until the
  health line reads "N pods (N shown)" for every pod of the cluster and rows are drawn;
  yardstick: `kubectl get pods -A` (process start to exit) on the same server, as users run it
  (it reads 500 pods a request, a consistent read each, and its client allows 5 requests a
  second after a burst of 10), and, as a second and stricter yardstick, the same with
  `--chunk-size=0` (one request). `--rounds` alternations of the three per run; each run
  reports the medians. Goal: ratio <= 1.
- in one headless app (Pilot, in this process): the same full table (no interpreter start),
  the answer to filter and sort keys (key posted -> the pods table repainted with the new rows;
  goal < 200 ms), 500 pod events a second for 20 s (`POST /_sim/churn`): the lag from the
  server's change to the store applying it (p50/p95/max; goal p95 < 0.5 s), the TUI process CPU
  while they flow (goal < 60 % of a core), and its RSS (goal < 300 MB).

Run: .venv/bin/python -m benchmarks.overview_scale [--runs 3] [--pods 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import MESHTUI, post, report, start_sim

GOALS = {"full table vs kubectl": "ratio <= 1.0", "filter/sort answer": "< 200 ms",
         "event lag p95 at 500/s": "< 0.5 s", "CPU while events flow": "< 60 % of a core", "RSS": "< 300 MB"}


def kubectl_time(kubeconfig: Path, *extra: str) -> tuple[float, int]:
    started = time.perf_counter()
    out = subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), "get", "pods", "-A", "--no-headers", *extra],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return time.perf_counter() - started, len(out.splitlines())


def tui_full_table(kubeconfig: Path, total: int, tmp: Path, socket: str, timeout: float = 120.0) -> float | None:
    """Seconds from starting the real binary in tmux until it shows all `total` pods."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "XDG_CONFIG_HOME": str(tmp / "config"),
           "TERM": "xterm-256color"}
    marker = f"{total} pods ({total} shown)"
    started = time.perf_counter()
    subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "160", "-y", "45",
                    str(MESHTUI), "--kubeconfig", str(kubeconfig)], env=env, check=True)
    try:
        while time.perf_counter() - started < timeout:
            screen = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "b"], capture_output=True,
                                    text=True, timeout=10).stdout
            if marker in screen and "Running" in screen:  # the health line and drawn rows
                return time.perf_counter() - started
            time.sleep(0.01)
        return None
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


def live_run(url: str, kubeconfig: Path, total: int, rate: float, seconds: float, tmp: Path,
             without_resources: bool) -> dict:
    """One headless app in a fresh interpreter (`benchmarks.overview_live`): its own memory, its own clock."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "XDG_CONFIG_HOME": str(tmp / "config")}
    argv = [sys.executable, "-m", "benchmarks.overview_live", url, str(kubeconfig), str(total), str(rate), str(seconds),
            *(["--without-resources"] if without_resources else [])]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env, check=False,
                         cwd=Path(__file__).resolve().parent.parent)
    if out.returncode != 0:
        sys.exit(f"the headless run failed:\n{out.stderr[-3000:]}")
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of kubectl and meshtui per run")
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--without-resources", action="store_true",
                        help="diagnostic: the headless app runs without the Resources panel sampling every pod")
    args = parser.parse_args()
    if shutil.which("kubectl") is None or shutil.which("tmux") is None:
        sys.exit("kubectl and tmux are needed for this benchmark")
    load_before = load()
    kubectl: list[float] = []
    tui: list[float] = []
    ratios: list[float] = []
    single: list[float] = []
    strict: list[float] = []
    live: list[dict] = []
    total = 0
    for run in range(args.runs):  # a fresh cluster per run: the churn's restart counts start from zero
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            proc, url, kubeconfig = start_sim(tmp)
            try:
                post(url + "/_sim/pods", {"namespace": "load", "pods": args.pods})
                rounds: dict[str, list[float]] = {"kubectl": [], "one request": [], "meshtui": []}
                for index in range(args.rounds):
                    k, total = kubectl_time(kubeconfig)
                    one, _ = kubectl_time(kubeconfig, "--chunk-size=0")
                    t = tui_full_table(kubeconfig, total, tmp, f"meshtui-ov-{os.getpid()}-{run}-{index}")
                    if t is not None:
                        rounds["kubectl"].append(k)
                        rounds["one request"].append(one)
                        rounds["meshtui"].append(t)
                if rounds["meshtui"]:
                    k, one, t = (statistics.median(rounds[name]) for name in ("kubectl", "one request", "meshtui"))
                    kubectl.append(k)
                    single.append(one)
                    tui.append(t)
                    ratios.append(t / k)
                    strict.append(t / one)
                print(f"run {run} ({total} pods, medians of {len(rounds['meshtui'])}): kubectl get pods -A "
                      f"{statistics.median(rounds['kubectl'] or [0]):.2f} s, with --chunk-size=0 "
                      f"{statistics.median(rounds['one request'] or [0]):.2f} s, meshtui full table "
                      f"{statistics.median(rounds['meshtui'] or [0]):.2f} s", file=sys.stderr)
                live.append(live_run(url, kubeconfig, total, args.rate, args.seconds, tmp, args.without_resources))
                print(f"run {run}: headless {json.dumps(live[-1]['answer by key'])}, lag p95 "
                      f"{live[-1]['lag p95 (s)']:.3f} s, cpu {live[-1]['cpu (cores)']:.2f}, rss peak "
                      f"{live[-1]['rss peak (MB)']:.0f} MB", file=sys.stderr)
            finally:
                proc.send_signal(signal.SIGINT)
                proc.wait(30)

    def pick(name: str) -> list[float]:
        return [value for run in live for value in ([run[name]] if not isinstance(run[name], list) else run[name])]

    answers = pick("answers (ms)")
    data = {
        "pods": total, "runs": args.runs, "without resources (diagnostic)": args.without_resources, "machine load": {"before": load_before, "after": load()},
        "kubectl get pods -A (s, median per run)": spread(kubectl, 2),
        "kubectl get pods -A --chunk-size=0 (s, median per run)": spread(single, 2),
        "meshtui, real binary in tmux, start to full table (s, median per run)": spread(tui, 2),
        "ratio to kubectl per run": [round(r, 2) for r in ratios],
        "ratio to kubectl (median)": round(statistics.median(ratios), 2) if ratios else None,
        "ratio to kubectl --chunk-size=0 per run": [round(r, 2) for r in strict],
        "ratio to kubectl --chunk-size=0 (median)": round(statistics.median(strict), 2) if strict else None,
        "headless app, start to full table (s)": spread(pick("full table (s)"), 2),
        "typing a filter (ms, all keys posted -> text in the box, not part of the answer)":
            {k: [run["typing the filter (ms, key posted to text in the box)"][k] for run in live]
             for k in live[0]["typing the filter (ms, key posted to text in the box)"]} if live else {},
        "filter/sort answers (ms)": {**spread(answers, 0), "n": len(answers),
                                     "each": {k: [run["answer by key"][k] for run in live]
                                              for k in live[0]["answer by key"]} if live else {}},
        f"event lag at {args.rate:.0f}/s (s)": {"p50": spread(pick("lag p50 (s)")), "p95": spread(pick("lag p95 (s)")),
                                                "max": spread(pick("lag max (s)"))},
        "events sent / applied / missing (last run)": [live[-1]["events sent"], live[-1]["events applied"],
                                                       live[-1]["events missing"]],
        "TUI CPU while events flow (cores)": spread(pick("cpu (cores)"), 2),
        "TUI RSS (MB)": {"after the full table": spread(pick("rss full table (MB)"), 0),
                         "peak": spread(pick("rss peak (MB)"), 0)},
        "goals": GOALS,
    }
    report("overview_scale" + ("_without_resources" if args.without_resources else ""), data)


if __name__ == "__main__":
    main()
