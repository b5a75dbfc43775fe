"""First frame of `meshtui demo` against a minimal Textual app showing one Static, same run, same tmux.

Each run starts the command in a fresh tmux server (its own socket) at 150x40 and polls
the pane until the marker is on screen: "minimal ready" for the yardstick (a bare `App`
with one `Static`), the "1 Overview" tab for `meshtui demo`. The two alternate so machine
load hits both alike. Goal (issue 17, point 5): ratio <= 2.5. meshtui's bytecode is cached
first, as the yardstick's is (see `benchmarks/bytecode.py`; `--bytecode as-is` to skip).

Run: .venv/bin/python -m benchmarks.first_frame [--runs 7]
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
from benchmarks.common import MESHTUI, report

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("minimal ready")


Minimal().run()
"""
GOAL = 2.5


def first_frame(argv: list[str], marker: str, env: dict[str, str], socket: str, timeout: float = 30.0) -> float | None:
    """Seconds from starting `argv` in a new tmux server until `marker` shows in the pane."""
    started = time.perf_counter()
    subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", "150", "-y", "40",
                    *argv], env=env, check=True)
    try:
        while time.perf_counter() - started < timeout:
            screen = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "b"], capture_output=True,
                                    text=True, timeout=10).stdout
            if marker in screen:
                return time.perf_counter() - started
            time.sleep(0.005)
        return None
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    bytecode.add_option(parser)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed for this benchmark")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        script = tmp / "minimal_app.py"
        script.write_text(MINIMAL_APP)
        env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "XDG_CONFIG_HOME": str(tmp / "config"),
               "KUBECONFIG": str(tmp / "kubeconfig"), "TERM": "xterm-256color"}
        compiled = bytecode.prepare(args.bytecode, env)
        minimal, demo, ratios = [], [], []
        load_before = load()
        for run in range(args.runs):
            socket = f"meshtui-ff-{os.getpid()}-{run}"
            a = first_frame([sys.executable, str(script)], "minimal ready", env, socket + "a")
            b = first_frame([str(MESHTUI), "demo", "--rate", "5"], "1 Overview", env, socket + "b")
            if a is None or b is None:
                print(f"run {run}: no first frame (minimal {a}, demo {b})", file=sys.stderr)
                continue
            minimal.append(a)
            demo.append(b)
            ratios.append(b / a)
            print(f"run {run}: minimal {a:.3f} s, meshtui demo {b:.3f} s, ratio {b / a:.2f}", file=sys.stderr)
    data = {
        "runs": len(ratios),
        "meshtui bytecode": compiled,
        "machine load": {"before": load_before, "after": load()},
        "minimal Textual app, first frame (s)": {"median": round(statistics.median(minimal), 3),
                                                  "min": round(min(minimal), 3), "max": round(max(minimal), 3)},
        "meshtui demo, first frame (s)": {"median": round(statistics.median(demo), 3), "min": round(min(demo), 3),
                                          "max": round(max(demo), 3)},
        "ratio per run": [round(r, 2) for r in ratios],
        "ratio (median of runs)": round(statistics.median(ratios), 2),
        "goal": f"ratio <= {GOAL}",
        "met": statistics.median(ratios) <= GOAL,
    }
    report("first_frame", data)


if __name__ == "__main__":
    main()
