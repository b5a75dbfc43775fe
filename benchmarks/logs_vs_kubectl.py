"""Logs: `meshtui logs --no-follow` against `kubectl logs -l ... --prefix` on the same data,
back to back, with the parallel-curl ceiling beside them; then the TUI under a flood.

Part 1: 200,000 lines across 20 pods in the simulator (separate process). Goal: ratio
meshtui/kubectl <= 1.0. Part 2: the Logs panel (headless, this process) fed 50,000
lines/s for 10 s: key latency, RSS and tail lag. Goals: < 100 ms, < 200 MB, < 0.5 s.

Run: .venv/bin/python -m benchmarks.logs_vs_kubectl
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

PODS, LINES = 20, 200_000


def wait_lines(url: str, namespace: str, total: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = json.loads(urllib.request.urlopen(url + "/_sim/stats").read())["log_lines"]
        if sum(n for k, n in stats.items() if k.startswith(f"{namespace}/")) >= total:
            return
        time.sleep(0.1)
    raise TimeoutError("flood did not finish")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started, out.stdout.count(b"\n")


def cli_comparison(url: str, kubeconfig: Path) -> dict:
    post(url + "/_sim/pods", {"namespace": "flood", "pods": PODS, "app": "flood"})
    post(url + "/_sim/flood", {"namespace": "flood", "selector": "app=flood", "lines": LINES, "rate": 0})
    wait_lines(url, "flood", LINES + PODS)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    meshtui = [str(MESHTUI), "logs", "-n", "flood", "-l", "app=flood", "--tail=-1", "--no-follow"]
    kubectl = ["kubectl", "logs", "-n", "flood", "-l", "app=flood", "--prefix", "--max-log-requests=20", "--tail=-1"]
    pods = [f"flood-{i:05d}" for i in range(PODS)]
    curl = ["curl", "-s", "--parallel", "--parallel-max", "20"]
    for pod in pods:
        curl += [f"{url}/api/v1/namespaces/flood/pods/{pod}/log?container=app", "-o", "/dev/null"]
    runs: dict[str, list[float]] = {"meshtui": [], "kubectl": [], "curl (ceiling)": []}
    counts: dict[str, int] = {}
    for _ in range(5):
        for name, argv in (("meshtui", meshtui), ("kubectl", kubectl), ("curl (ceiling)", curl)):
            if name == "curl (ceiling)" and shutil.which("curl") is None:
                continue
            seconds, lines = timed(argv, env)
            runs[name].append(seconds)
            counts[name] = lines
    medians = {name: round(statistics.median(values), 3) for name, values in runs.items() if values}
    return {"lines": LINES, "pods": PODS, "median seconds (5 runs, alternating)": medians,
            "lines printed": {k: v for k, v in counts.items() if k != "curl (ceiling)"},
            "ratio meshtui/kubectl": round(medians["meshtui"] / medians["kubectl"], 2)}


async def tui_flood(url: str, kubeconfig: Path) -> dict:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.ui.panels.logs import LogsPanel
    from meshtui.ui.widgets.log_view import LogView
    from meshtui.wiring import Wiring

    post(url + "/_sim/pods", {"namespace": "tuiflood", "pods": PODS, "app": "tf"})
    markers: list[float] = []
    original_append = LogView.append

    def append(self: LogView, batch: list) -> None:  # type: ignore[type-arg]
        now = time.time()
        for line in batch:
            if line.raw.startswith("marker "):
                markers.append(now - float(line.raw.split()[1]))
        original_append(self, batch)

    key_times: list[float] = []
    pressed: list[float] = []
    original_toggle = LogsPanel.action_toggle_timestamps

    def toggle(self: LogsPanel) -> None:
        key_times.append(time.perf_counter() - pressed[-1])
        original_toggle(self)

    LogView.append = append  # type: ignore[method-assign]
    LogsPanel.action_toggle_timestamps = toggle  # type: ignore[method-assign]
    app = MeshApp(Wiring(kubeconfig=str(kubeconfig)), UserSettings())
    process = psutil.Process()
    async with app.run_test(size=(160, 45)) as pilot:
        while app.session is None:
            await pilot.pause(0.05)
        await pilot.press("2")
        panel = app.panel("logs")
        panel.open_query("-n tuiflood -l app=tf", None)
        while panel.engine is None or len(panel.engine.tails) < PODS:
            await pilot.pause(0.05)
        await pilot.pause(0.5)
        post(url + "/_sim/flood", {"namespace": "tuiflood", "selector": "app=tf", "lines": 500_000, "rate": 50_000})
        started = time.perf_counter()
        peak = 0
        next_marker = started
        while time.perf_counter() - started < 10:
            if time.perf_counter() >= next_marker:
                urllib.request.urlopen(urllib.request.Request(url + "/_sim/log", method="POST", data=json.dumps(
                    {"namespace": "tuiflood", "pod": "tf-00000", "container": "app",
                     "lines": [f"marker {time.time()}"]}).encode())).read()
                next_marker += 0.5
            pressed.append(time.perf_counter())
            await pilot.press("t")
            await pilot.pause(0.2)
            peak = max(peak, process.memory_info().rss)
        received = panel.received
        await pilot.pause(2)
    LogView.append = original_append  # type: ignore[method-assign]
    LogsPanel.action_toggle_timestamps = original_toggle  # type: ignore[method-assign]
    return {"flood": "50,000 lines/s for 10 s across 20 pods", "lines received by the panel in 10 s": received,
            "key latency p50/p95/max (ms)": [round(statistics.median(key_times) * 1000),
                                             round(sorted(key_times)[int(len(key_times) * .95)] * 1000),
                                             round(max(key_times) * 1000)],
            "tail lag of marker lines p50/max (s)": [round(statistics.median(markers), 3), round(max(markers), 3)],
            "peak RSS (MB)": round(peak / 1e6)}


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        proc, url, kubeconfig = start_sim(tmp)
        try:
            data = {"cli": cli_comparison(url, kubeconfig), "tui": asyncio.run(tui_flood(url, kubeconfig))}
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
        data["goals"] = {"ratio": "<= 1.0", "key latency": "< 100 ms", "RSS": "< 200 MB", "tail lag": "< 0.5 s"}
        report("logs", data)


if __name__ == "__main__":
    main()
