"""The Overview at scale: 5,000 pods, 200 pod events/s; plus the first frame of `meshtui demo`.

The simulated API server runs in its own process (`meshtui demo --serve`), as a real
one would; the TUI runs headless in this process. Reported: time to the first full
pods table, event-to-row lag (p50/p95/max), CPU of the TUI process while events flow,
and the first frame of the real binary under tmux. Goals: first table < 2 s, lag < 1 s,
first frame < 1.5 s.

Run: .venv/bin/python -m benchmarks.overview_scale
"""

from __future__ import annotations

import asyncio
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

import psutil

from benchmarks.common import MESHTUI, post, report, start_sim

PODS = 5000
RATE = 200
SECONDS = 10


async def tui_run(url: str, kubeconfig: Path) -> dict:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.ui.panels.overview import OverviewPanel
    from meshtui.wiring import Wiring

    seen: dict[tuple[str, int], float] = {}
    original = OverviewPanel._redraw

    def redraw(self: OverviewPanel) -> None:
        original(self)
        now = time.time()
        for _key, pod in self.pods.items():
            if pod.namespace == "load" and pod.restarts and (pod.name, pod.restarts) not in seen:
                seen[(pod.name, pod.restarts)] = now

    OverviewPanel._redraw = redraw  # type: ignore[method-assign]
    app = MeshApp(Wiring(kubeconfig=str(kubeconfig)), UserSettings())
    started = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        table = None
        while time.perf_counter() - started < 60:
            await pilot.pause(0.02)
            if app.session is not None:
                table = app.query_one("#pods")
                if len(table.keys) >= PODS:
                    break
        first_table = time.perf_counter() - started
        process = psutil.Process()
        cpu_before = sum(process.cpu_times()[:2])
        wall_before = time.perf_counter()
        post(url + "/_sim/churn", {"namespace": "load", "rate": RATE, "seconds": SECONDS})
        while time.perf_counter() - wall_before < SECONDS + 2:
            await pilot.pause(0.05)
        cpu = (sum(process.cpu_times()[:2]) - cpu_before) / (time.perf_counter() - wall_before)
        rss = process.memory_info().rss
    sent = json.loads(urllib.request.urlopen(url + "/_sim/churn").read())["sent"]
    lags = [seen[(name, value)] - at for name, value, at in sent if (name, value) in seen]
    missing = sum(1 for name, value, _ in sent if (name, value) not in seen)
    OverviewPanel._redraw = original  # type: ignore[method-assign]
    return {"pods": PODS, "first full table (s)": round(first_table, 2), "events sent": len(sent),
            "events shown": len(lags), "events never shown (superseded by a newer one in the same frame)": missing,
            "lag p50 (s)": round(statistics.median(lags), 3), "lag p95 (s)": round(sorted(lags)[int(len(lags) * .95)], 3),
            "lag max (s)": round(max(lags), 3), "TUI CPU while events flow (cores)": round(cpu, 2),
            "TUI RSS (MB)": round(rss / 1e6)}


def first_frame(tmp: Path) -> float | None:
    if shutil.which("tmux") is None:
        return None
    session = f"bench-{os.getpid()}"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp / "ff")}
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "150", "-y", "40",
                    f"{MESHTUI} demo --rate 5"], env=env, check=True)
    try:
        while time.perf_counter() - started < 20:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                    text=True).stdout
            if "1 Overview" in screen:
                return time.perf_counter() - started
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return None


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        proc, url, kubeconfig = start_sim(tmp)
        try:
            post(url + "/_sim/pods", {"namespace": "load", "pods": PODS})
            data = asyncio.run(tui_run(url, kubeconfig))
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
        frames = [first_frame(tmp) for _ in range(3)]
        data["first frame of `meshtui demo` (s, 3 runs)"] = [round(f, 2) for f in frames if f is not None]
        data["goals"] = {"first table": "< 2 s", "lag": "< 1 s", "first frame": "< 1.5 s"}
        report("overview_scale", data)


if __name__ == "__main__":
    main()
