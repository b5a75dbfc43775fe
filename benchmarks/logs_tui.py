"""The Logs panel at its buffer cap, wrapped, under a flood: do keys and wrap still answer at once?

The simulator runs in its own process; the app runs headless here. The panel follows 20
pods; 20,000 lines are loaded first (the default cap, reached), wrap is turned on, then
5,000 lines/s arrive for `--seconds`. Meanwhile keys are pressed in a loop: `t`
(timestamps) and `w` (wrap off/on), posted as a terminal sends them (nothing waits for the
app to be idle). Measured: key latency (press -> the action runs),
wrap toggle (press -> the toggled screen is painted; split into press -> action and
action -> painted), tail lag of marker lines, lines received per second, peak RSS, and
Python's cyclic garbage collector during the flood (each full collection stops the event
loop; how many toggles had one inside). Yardstick, in the same run: the same key on a minimal
Textual app (one Static), idle. Goals (issue 13): key latency p95 < 100 ms, wrap toggle
< 50 ms.

Run: .venv/bin/python -m benchmarks.logs_tui [--seconds 15] [--rate 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from benchmarks.common import CollectorSpans, post, report, start_sim

PODS, CAP = 20, 20_000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {"p50": round(statistics.median(values) * 1000, 1), "p95": round(pct(values, 0.95) * 1000, 1),
            "max": round(max(values) * 1000, 1), "n": len(values)}


class Collections(CollectorSpans):
    """The collector's passes during the flood, and a summary of them."""

    def summary(self, start: float, end: float) -> dict[str, object]:
        """Collections between start and end; the heap as the collector sees it now (call it in the app)."""
        full = [b - a for g, a, b in self.spans if g == 2 and a >= start and b <= end]
        young = [b - a for g, a, b in self.spans if g < 2 and a >= start and b <= end]
        return {"full (gen 2) collections ms": ms(full), "young (gen 0/1) collections ms": ms(young),
                "objects it tracks at the end of the flood": len(gc.get_objects()), "frozen": gc.get_freeze_count()}


class Minimal(App[None]):
    BINDINGS = [Binding("t", "toggle", "Toggle")]

    def compose(self) -> ComposeResult:
        yield Static("hello", id="s")

    def action_toggle(self) -> None:
        self.query_one(Static).toggle_class("on")


async def yardstick(presses: int = 40) -> list[float]:
    app = Minimal()
    latencies: list[float] = []
    pressed = [0.0]
    original = Minimal.action_toggle

    def toggle(self: Minimal) -> None:
        latencies.append(time.perf_counter() - pressed[0])
        original(self)
    Minimal.action_toggle = toggle  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        for _ in range(presses):
            pressed[0] = time.perf_counter()
            app.post_message(events.Key("t", "t"))
            await asyncio.sleep(0.05)
    Minimal.action_toggle = original  # type: ignore[method-assign]
    return latencies


async def flood(url: str, kubeconfig: Path, seconds: float, rate: int) -> dict:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.ui.panels.logs import LogsPanel
    from meshtui.ui.widgets.log_view import LogView
    from meshtui.wiring import Wiring

    post(url + "/_sim/pods", {"namespace": "tuiflood", "pods": PODS, "app": "tf"})
    markers: list[float] = []
    keys: list[float] = []
    toggles: list[float] = []
    toggle_spans: list[tuple[float, float]] = []
    toggle_parts: list[tuple[float, float]] = []
    collections = Collections()
    pressed = [0.0]
    painted: list[float | None] = [None]
    toggled = [0.0]
    originals = (LogView.append, LogsPanel.action_toggle_timestamps, LogView.render_line, LogsPanel.action_toggle_wrap)

    def append(self: LogView, batch: list) -> None:  # type: ignore[type-arg]
        now = time.time()
        for line in batch:
            if line.raw.startswith("marker "):
                markers.append(now - float(line.raw.split()[1]))
        originals[0](self, batch)

    def toggle_ts(self: LogsPanel) -> None:
        keys.append(time.perf_counter() - pressed[0])
        originals[1](self)

    def render_line(self: LogView, y: int):  # type: ignore[no-untyped-def]
        if painted[0] is None and toggled[0]:
            painted[0] = time.perf_counter()
        return originals[2](self, y)

    def toggle_wrap(self: LogsPanel) -> None:
        originals[3](self)
        toggled[0] = time.perf_counter()
        painted[0] = None  # the next line painted is the toggled screen

    LogView.append = append  # type: ignore[method-assign]
    LogsPanel.action_toggle_timestamps = toggle_ts  # type: ignore[method-assign]
    LogView.render_line = render_line  # type: ignore[method-assign]
    LogsPanel.action_toggle_wrap = toggle_wrap  # type: ignore[method-assign]
    app = MeshApp(Wiring(kubeconfig=str(kubeconfig)), UserSettings())
    process = psutil.Process()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            while app.session is None:
                await pilot.pause(0.05)
            await pilot.press("2")
            panel = app.panel("logs")
            panel.open_query("-n tuiflood -l app=tf --tail 0", None)
            while panel.summary is None or panel.summary.following < PODS:
                await pilot.pause(0.05)
            post(url + "/_sim/flood", {"namespace": "tuiflood", "selector": "app=tf", "lines": CAP, "rate": 0})
            kept, grew_at = 0, time.perf_counter()
            while len(panel.view.lines) < CAP:  # a busy machine may drop a few (counted): top up until full
                await pilot.pause(0.05)
                if len(panel.view.lines) > kept:
                    kept, grew_at = len(panel.view.lines), time.perf_counter()
                elif time.perf_counter() - grew_at > 3:
                    post(url + "/_sim/flood", {"namespace": "tuiflood", "selector": "app=tf",
                                               "lines": CAP - kept + PODS, "rate": 0})
                    grew_at = time.perf_counter()

            async def timed_toggle() -> float:
                """`w` as a terminal sends it (no waiting for the app to be idle); press -> toggled screen painted."""
                toggled[0], painted[0] = 0.0, None
                started = time.perf_counter()
                app.post_message(events.Key("w", "w"))
                while not toggled[0] or painted[0] is None:
                    await asyncio.sleep(0.001)
                toggle_spans.append((started, painted[0]))
                toggle_parts.append((toggled[0] - started, painted[0] - toggled[0]))
                return painted[0] - started

            at_cap = [await timed_toggle() for _ in range(6)]  # wrap on/off x3 at the cap, before the flood
            if not panel.view.wrap:
                await timed_toggle()
            received_before = panel.received
            toggle_spans.clear()
            toggle_parts.clear()
            gc.callbacks.append(collections)
            post(url + "/_sim/flood", {"namespace": "tuiflood", "selector": "app=tf", "lines": int(rate * seconds),
                                       "rate": rate})
            started = time.perf_counter()
            peak = 0
            next_marker = started
            while time.perf_counter() - started < seconds:
                if time.perf_counter() >= next_marker:
                    urllib.request.urlopen(urllib.request.Request(url + "/_sim/log", method="POST", data=json.dumps(
                        {"namespace": "tuiflood", "pod": "tf-00000", "container": "app",
                         "lines": [f"marker {time.time()}"]}).encode())).read()
                    next_marker += 0.5
                for _ in range(3):
                    pressed[0] = time.perf_counter()
                    app.post_message(events.Key("t", "t"))
                    await asyncio.sleep(0.1)
                toggles.append(await timed_toggle())
                toggles.append(await timed_toggle())
                peak = max(peak, process.memory_info().rss)
            elapsed = time.perf_counter() - started
            gc.callbacks.remove(collections)
            collector = collections.summary(started, started + elapsed)
            in_gc = [collections.within(a, b, (2,)) for a, b in toggle_spans]
            received = panel.received - received_before
            kept, evicted, wrapped = len(panel.view.lines), panel.view.evicted, panel.view.wrap
    finally:
        (LogView.append, LogsPanel.action_toggle_timestamps, LogView.render_line,  # type: ignore[method-assign]
         LogsPanel.action_toggle_wrap) = originals
    return {"flood": f"{rate:,} lines/s for {seconds:.0f} s across {PODS} pods, {CAP:,} lines kept, wrap on",
            "lines received per second": round(received / elapsed), "lines kept / evicted": [kept, evicted],
            "wrap on at the end": wrapped,
            "key latency ms (t, press -> action)": ms(keys),
            "wrap toggle ms (w, press -> toggled screen painted), under the flood": ms(toggles),
            "wrap toggle ms at the cap, no flood": ms(at_cap),
            "wrap toggle split ms: press -> action ran": ms([a for a, _ in toggle_parts]),
            "wrap toggle split ms: action ran -> toggled screen painted": ms([b for _, b in toggle_parts]),
            "wrap toggles with a full collection inside (n, ms p50 of those)": [
                sum(1 for t in in_gc if t), ms([t for t in in_gc if t]).get("p50", 0)],
            "wrap toggle ms minus full-collection time inside": ms(
                [t - g for t, g in zip(toggles, in_gc, strict=True)]),
            "garbage collector during the flood": collector,
            "tail lag of marker lines s (p50 / max)": [round(statistics.median(markers), 3), round(max(markers), 3)],
            "peak RSS MB": round(peak / 1e6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        proc, url, kubeconfig = start_sim(Path(d))
        try:
            data = asyncio.run(flood(url, kubeconfig, args.seconds, args.rate))
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    base = asyncio.run(yardstick())
    data["yardstick: minimal Textual app, same key, idle (ms)"] = ms(base)
    key_p95 = data["key latency ms (t, press -> action)"]["p95"]
    data["ratio key latency p95 / yardstick p95"] = round(key_p95 / max(ms(base)["p95"], 0.1), 1)
    data["goals"] = {"key latency p95": "< 100 ms", "wrap toggle": "< 50 ms"}
    report("logs_tui", data)


if __name__ == "__main__":
    main()
