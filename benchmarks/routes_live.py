"""The Traffic panel's live state: how long an external change takes to reach the screen.

The simulated API server runs in its own process (`meshtui demo --serve`); the TUI runs
headless in this process with the Traffic panel on catalog. Twenty times, another writer
(plain HTTP, as kubectl would) changes catalog's weights; measured is the time from that
write returning to the panel holding the new routes (watch event, one re-read, redraw).
Yardstick, in the same run: `kubectl get virtualservice catalog` against the same server.
Goal: every change on screen within 2 s.

Run: .venv/bin/python -m benchmarks.routes_live
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import post, report, start_sim, summary, time_command

CHANGES = 20
VS = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/catalog"


def write_weights(url: str, v1: int) -> None:
    obj = json.loads(urllib.request.urlopen(url + VS, timeout=10).read())
    obj["spec"]["http"][0]["route"] = [{"destination": {"host": "catalog", "subset": "v1"}, "weight": v1},
                                       {"destination": {"host": "catalog", "subset": "v2"}, "weight": 100 - v1}]
    request = urllib.request.Request(url + VS, data=json.dumps(obj).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


async def tui_run(url: str, kubeconfig: Path) -> list[float]:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.wiring import Wiring

    app = MeshApp(Wiring(kubeconfig=str(kubeconfig)), UserSettings())
    latencies = []
    async with app.run_test(size=(160, 45)) as pilot:
        while app.session is None:
            await pilot.pause(0.05)
        await pilot.press("4")
        panel = app.panel("traffic")
        while panel.loaded is None or panel.route_watch is None:
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        for i in range(CHANGES):
            v1 = 10 + (i % 8) * 10
            await asyncio.to_thread(write_weights, url, v1)
            written = time.perf_counter()
            while (panel.loaded.routes.weights().get("v1") != v1) and time.perf_counter() - written < 10:
                await pilot.pause(0.005)
            latencies.append(time.perf_counter() - written)
    return latencies


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ["XDG_STATE_HOME"] = str(tmp / "state")
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
        proc, url, kubeconfig = start_sim(tmp)
        try:
            post(url + "/_sim/traffic", {"rate": 0})
            latencies = asyncio.run(tui_run(url, kubeconfig))
            kubectl = time_command(["kubectl", "--kubeconfig", str(kubeconfig), "get", "virtualservice", "catalog",
                                    "-n", "shop", "-o", "json"], runs=10)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
    data = {"changes": CHANGES, "external change to screen (s)": summary(latencies),
            "yardstick: kubectl get virtualservice (s)": summary(kubectl),
            "ratio (median change-to-screen / median kubectl get)":
                round(statistics.median(latencies) / statistics.median(kubectl), 2),
            "within 2 s": sum(1 for x in latencies if x < 2.0), "goal": "every change on screen within 2 s"}
    report("routes_live", data)


if __name__ == "__main__":
    main()
