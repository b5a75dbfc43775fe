"""Keys typed with no delay into the real binary while 20,000 pods and a 5,000 lines/s log flood are live.

The simulated API server runs in its own process with 20,000 extra pods; `meshtui` runs in
a tmux server of its own. The Logs panel follows a flood of 5,000 lines a second from the
shop's catalog pods (`POST /_sim/flood`); then each case sends its opening key and 30
characters in one `tmux send-keys` (one write to the terminal, as a fast typist or a
paste) and reads the screen until the characters show in the input the key opened:

- `/` on the Overview (the filter), ctrl+p (the command palette), `e` on Logs (the query).

Reported per case: landed (all 30 characters, in order, in that input, the panel not
switched), and the time from the write until they showed. The characters include keys
bound elsewhere (`l` logs, `x` delete, `d` describe, `s` sort, digits switch panels, `q`
quits), so a misrouted key leaves a visible trace.

Run: .venv/bin/python -m benchmarks.input_under_load [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import MESHTUI, post, report, start_sim

TYPED = "catalog-l2x9ds1nq4w7plx5qzdl3s"


class Tmux:
    """A tmux server of our own; the environment given here is the one the app gets (never the user's dirs)."""

    def __init__(self, socket: str, env: dict[str, str]) -> None:
        self.socket = socket
        self.env = env

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20,
                              env=self.env).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "b")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "b", *(["-l"] if literal else []), *keys)

    def wait(self, condition: Callable[[str], bool], timeout: float) -> float | None:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if condition(self.screen()):
                return time.perf_counter() - started
            time.sleep(0.01)
        return None


def case(tmux: Tmux, opening: list[str], where: Callable[[str], bool], timeout: float = 60.0) -> dict:
    tmux.keys(*opening)
    started = time.perf_counter()
    tmux.keys(TYPED, literal=True)
    landed = tmux.wait(lambda screen: TYPED in screen and where(screen), timeout)
    screen = tmux.screen()
    if landed is None or os.environ.get("MESHTUI_BENCH_SCREENS"):
        print(f"--- screen after {opening} + typing ---\n{screen}", file=sys.stderr)
    return {"landed": landed is not None, "seconds to show": None if landed is None else round(time.perf_counter()
            - started, 3), "evidence": next((line.strip() for line in screen.splitlines() if TYPED[:8] in line),
                                              "(typed text not on screen)")[:120]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=5_000)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed for this benchmark")
    results: dict[str, list[dict]] = {"/ on Overview": [], "ctrl+p palette": [], "e on Logs": []}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        proc, url, kubeconfig = start_sim(tmp)
        try:
            post(url + "/_sim/pods", {"namespace": "load", "pods": args.pods})
            env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "XDG_CONFIG_HOME": str(tmp / "config"),
                   "KUBECONFIG": str(kubeconfig), "TERM": "xterm-256color"}
            for run in range(args.runs):
                tmux = Tmux(f"meshtui-keys-{os.getpid()}-{run}", env)
                tmux.run("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "160", "-y", "45", str(MESHTUI),
                         "--kubeconfig", str(kubeconfig))
                try:
                    if tmux.wait(lambda s: f"{args.pods} pods" in s or f"{args.pods + 25} pods" in s, 180) is None:
                        print(f"run {run}: the pods never all showed", file=sys.stderr)
                        continue
                    post(url + "/_sim/flood", {"namespace": "shop", "selector": "app=catalog",
                                               "lines": args.rate * 600, "rate": args.rate})
                    tmux.keys("2")
                    tmux.wait(lambda s: "following" in s or "streams" in s, 30)
                    tmux.keys("e")
                    time.sleep(0.3)
                    tmux.keys("C-u")
                    tmux.keys("-n shop -l app=catalog", literal=True)
                    tmux.keys("Enter")
                    tmux.wait(lambda s: "catalog-v" in s and "flood" in s, 60)
                    tmux.keys("1")
                    tmux.wait(lambda s: "NAMESPACE" in s, 30)
                    results["/ on Overview"].append(case(tmux, ["/"], lambda s: "NAMESPACE" in s))
                    tmux.keys("Escape")
                    tmux.wait(lambda s: TYPED not in s, 30)
                    results["ctrl+p palette"].append(case(tmux, ["C-p"], lambda s: f"🔎 {TYPED}" in s))
                    for _ in range(3):  # the palette's first Escape may only close its list
                        tmux.keys("Escape")
                        if tmux.wait(lambda s: "🔎" not in s, 5) is not None:
                            break
                    tmux.keys("2")
                    tmux.wait(lambda s: "flood" in s and "🔎" not in s, 30)
                    results["e on Logs"].append(case(tmux, ["e", "C-u"], lambda s: "flood" in s and "🔎" not in s))
                finally:
                    tmux.run("kill-server")
                print(f"run {run}: " + ", ".join(f"{k}: {v[-1]['landed'] if v else '-'}" for k, v in results.items()),
                      file=sys.stderr)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    one, five, _ = os.getloadavg()
    report("input_under_load", {
        "pods": args.pods, "log flood (lines/s)": args.rate, "typed": TYPED, "runs": args.runs,
        "machine load": f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores",
        "cases": {name: {"landed": f"{sum(r['landed'] for r in runs)}/{len(runs)}",
                         "seconds to show": [r["seconds to show"] for r in runs],
                         "evidence (last run)": runs[-1]["evidence"] if runs else None}
                  for name, runs in results.items()},
        "goal": "every case lands, every run",
    })


if __name__ == "__main__":
    main()
