"""Helpers shared by the benchmark scripts: timing, process CPU, and result output."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MESHTUI = BIN / "meshtui"


def post(url: str, body: dict) -> dict:
    """POST a JSON body to a `/_sim` control and decode the answer."""
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=120).read())


def start_sim(tmp: Path) -> tuple[subprocess.Popen, str, Path]:
    """`meshtui demo --serve` in its own process, no traffic or crashes: (process, API URL, kubeconfig)."""
    kubeconfig = tmp / "kubeconfig"
    proc = subprocess.Popen([str(MESHTUI), "demo", "--serve", "--json", "--rate", "0", "--no-crashes",
                             "--kubeconfig", str(kubeconfig)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "XDG_STATE_HOME": str(tmp)})
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())["url"], kubeconfig


def time_command(argv: Sequence[str], runs: int = 10, env: dict[str, str] | None = None) -> list[float]:
    """Wall time of `argv` over `runs` runs (first run included: it is the cold one)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(list(argv), capture_output=True, env={**os.environ, **(env or {})}, check=False)
        times.append(time.perf_counter() - started)
    return times


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def report(name: str, data: dict) -> None:
    """Print a result and append it to benchmarks/results/<name>.json for the record."""
    print(json.dumps(data, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M:%S"), **data}, indent=2))


class Paints:
    """When a Textual app paints its screen, and when its key bindings' actions run: public API only.

    Frames are seen through the app's `post_display_hook` (called after every frame), actions
    through a wrapper around the app's `run_action` (every binding runs through it).
    `press_painted` waits for a still screen, posts a key as a terminal sends it (nothing
    waits for the app to be idle), and takes the key's effect to be on screen at the last
    frame painted before the app stands idle with nothing left to paint: after the action
    ran, `call_after_refresh` callbacks (run when the screen has painted all it was asked
    to) are chained until two in a row see no new frame. A panel drawn, then its tab
    underline and key bar moved in a second frame: the second counts. Frames painted before
    the action ran (a data refresh landing just then) are not the key's.
    """

    def __init__(self, app: Any, quiet: float = 0.25) -> None:
        self.times: list[float] = []
        self.actions: list[float] = []
        self.quiet = quiet
        self.app = app
        run_action = app.run_action

        async def timed_action(*args: Any, **kwargs: Any) -> bool:
            try:
                return bool(await run_action(*args, **kwargs))
            finally:
                self.actions.append(time.perf_counter())

        app.post_display_hook = self._painted
        app.run_action = timed_action

    def _painted(self) -> None:
        self.times.append(time.perf_counter())

    async def still(self, limit: float = 10.0) -> None:
        """Wait until no frame has been painted for `quiet` seconds (at most `limit`)."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            last = max(self.times[-1] if self.times else 0.0, started)
            if time.perf_counter() - last >= self.quiet:
                return
            await asyncio.sleep(0.005)

    async def _after_refresh(self) -> None:
        done = asyncio.get_running_loop().create_future()
        self.app.call_after_refresh(lambda: done.done() or done.set_result(None))
        await asyncio.wait_for(done, 10)

    async def press_painted(self, key: str, character: str | None) -> tuple[float, float, int] | None:
        """Press `key`: (press -> first frame, press -> last frame of the key's effect, frames).

        None if no action ran within 10 s or nothing was painted after it.
        """
        from textual import events

        await self.still()
        frames, actions = len(self.times), len(self.actions)
        pressed = time.perf_counter()
        self.app.post_message(events.Key(key, character))
        while len(self.actions) == actions and time.perf_counter() - pressed < 10:
            await asyncio.sleep(0.001)
        if len(self.actions) == actions:
            return None
        calm = 0
        while calm < 2 and time.perf_counter() - pressed < 10:
            seen = len(self.times)
            await self._after_refresh()
            calm = calm + 1 if len(self.times) == seen else 0
        ran = self.actions[actions]
        after = [t - pressed for t in self.times[frames:] if t >= ran]
        return (after[0], after[-1], len(after)) if after else None


def percentiles_ms(values: Sequence[float]) -> dict[str, float]:
    """Median, p95 and max of seconds, in ms."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1), "n": len(ordered)}


class CollectorSpans:
    """Python's cyclic garbage collector as a benchmark sees it: (generation, start, end) of each pass.

    Install with `gc.callbacks.append(spans)`; `within` says how long passes overlapped a span of time."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, float, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.spans.append((info["generation"], self._started, time.perf_counter()))

    def within(self, start: float, end: float, generations: tuple[int, ...] = (0, 1, 2)) -> float:
        """Seconds spent collecting `generations` between start and end (overlaps counted)."""
        return sum(max(0.0, min(b, end) - max(a, start)) for g, a, b in self.spans if g in generations)
