"""Key latency of the app shell, Setup and Resources while every API call takes 1.5 s.

Yardstick, measured in the same run: a minimal Textual app whose one key updates one
Static. Both are driven by Textual's Pilot (key sent -> every widget has processed its
queue), so the ratio says how much work meshtui's handlers add, and the absolute figures
say whether any key waited for the (slow) API. Goal (issue 16): every key < 100 ms.

Animations are off (TEXTUAL_ANIMATIONS=none): Pilot waits for them, and the tab
underline's slide would be counted as handler time.

Run: .venv/bin/python -m benchmarks.keys_slow_api
"""

from __future__ import annotations

import os

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

import asyncio  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.widgets import Static  # noqa: E402

from benchmarks.common import post, report, start_sim  # noqa: E402

LATENCY_MS = 1500
ROUNDS = 3
KEYS = {"shell": ["1", "2", "3", "4", "5"], "setup": ["5", "p", "c", "r", "z"],
        "resources": ["3", "plus", "minus", "s", "t"]}


class Yardstick(App[None]):
    BINDINGS = [Binding("x", "bump", "bump")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("0", id="n")

    def action_bump(self) -> None:
        self.count += 1
        self.query_one("#n", Static).update(str(self.count))


async def yardstick(presses: int) -> list[float]:
    app, times = Yardstick(), []
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(presses):
            started = time.perf_counter()
            await pilot.press("x")
            times.append(time.perf_counter() - started)
    return times


async def meshtui_keys(kubeconfig: str, url: str) -> dict[str, list[float]]:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.wiring import Wiring

    app = MeshApp(Wiring(kubeconfig=kubeconfig), UserSettings())
    times: dict[str, list[float]] = {group: [] for group in KEYS}
    async with app.run_test(size=(160, 45)) as pilot:
        deadline = time.monotonic() + 60
        while not (app.session is not None and len(app.panel("overview").pods) > 10):
            if time.monotonic() > deadline:
                raise SystemExit("never connected")
            await pilot.pause(0.1)
        post(f"{url}/_sim/faults", {"api_latency_ms": LATENCY_MS})
        for _ in range(ROUNDS):
            for group, keys in KEYS.items():
                for key in keys:
                    started = time.perf_counter()
                    await pilot.press(key)
                    times[group].append(time.perf_counter() - started)
        post(f"{url}/_sim/faults", {"api_latency_ms": 0})
    app.wiring.close()
    return times


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1), "n": len(ordered)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = os.path.join(tmp, "state")
        os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        proc, url, kubeconfig = start_sim(Path(tmp))
        try:
            base = asyncio.run(yardstick(sum(len(k) for k in KEYS.values()) * ROUNDS))
            ours = asyncio.run(meshtui_keys(str(kubeconfig), url))
        finally:
            proc.terminate()
            proc.wait(30)
    every = [t for values in ours.values() for t in values]
    data = {"api_latency_ms": LATENCY_MS, "yardstick (minimal Textual app, one key)": ms(base),
            **{f"meshtui {group} keys": ms(values) for group, values in ours.items()},
            "meshtui all keys": ms(every),
            "ratio_median_to_yardstick": round(statistics.median(every) / statistics.median(base), 2),
            "goal_ms": 100, "every_key_under_api_latency": max(every) * 1000 < LATENCY_MS}
    report("keys_slow_api", data)


if __name__ == "__main__":
    main()
