"""Key latency of the app shell, Setup and Resources while every API call takes 1.5 s.

Measured as a user sees it: from the key press (posted as a terminal sends it; nothing
waits for the app to be idle) to the frame that shows the key's effect, i.e. the last
frame painted after the key's action ran before the app stood idle with nothing left to
paint (`benchmarks.common.Paints`: the app's public `post_display_hook`, `run_action` and
`call_after_refresh`). The first frame after the action (as `benchmarks.logs_tui` times
its wrap toggle) is reported too. Notifications are on (as for a user): a key that
answers with a toast is painted when the toast is. Headless: a frame is composed and
rendered as for a terminal, but not encoded into escape codes.

Yardstick, measured in the same run and the same way: a minimal Textual app whose one key
updates one Static. Reference for panel switches, also measured here: Textual's own
TabbedContent of 5 panes, each a title and a focused 8-column, 60-row DataTable (no footer),
switched by number keys the way meshtui's shell does. The 1.5 s API latency is injected
through the simulator (`/_sim/faults`), so any key that waited for the API would show it.
Goal (issue 16): every key < 100 ms (p95). A key that changes nothing on screen (`c` while
the doctor is still checking) paints no frame: it is counted apart, not timed.

Animations are off (TEXTUAL_ANIMATIONS=none): the tab underline's slide would be frames.

Run: .venv/bin/python -m benchmarks.keys_slow_api [--rounds 6]
"""

from __future__ import annotations

import os

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.widgets import DataTable, Static, TabbedContent, TabPane  # noqa: E402

from benchmarks.common import CollectorSpans, Paints, percentiles_ms, post, report, start_sim  # noqa: E402

LATENCY_MS = 1500
SIZE = (160, 45)
KEYS = {"shell": ["1", "2", "3", "4", "5"], "setup": ["5", "p", "c", "r", "z"],
        "resources": ["3", "plus", "minus", "s", "t"]}
CHARACTERS = {"plus": "+", "minus": "-"}


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


class TextualTabs(App[None]):
    """Reference for a panel switch: Textual's own TabbedContent, 5 panes of a title and a focused 8x60 table."""

    BINDINGS = [Binding(str(n), f"show({n})", f"pane {n}") for n in range(1, 6)]

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            for n in range(1, 6):
                with TabPane(f"{n} Pane", id=f"pane-{n}"):
                    yield Static(f"title {n}")
                    yield DataTable(id=f"table-{n}", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.add_columns(*[f"COLUMN {c}" for c in range(8)])
            table.add_rows([[f"cell {r}-{c}" for c in range(8)] for r in range(60)])

    def action_show(self, n: int) -> None:
        self.query_one(TabbedContent).active = f"pane-{n}"
        self.query_one(f"#table-{n}", DataTable).focus()


Timing = tuple[float, float, int] | None
Timings = dict[str, list[Timing]]


async def yardstick(presses: int) -> list[Timing]:
    app = Yardstick()
    async with app.run_test(size=SIZE, notifications=True):
        paints = Paints(app)
        return [await paints.press_painted("x", "x") for _ in range(presses)]


async def textual_tabs(rounds: int) -> list[Timing]:
    app = TextualTabs()
    async with app.run_test(size=SIZE, notifications=True):
        paints = Paints(app)
        return [await paints.press_painted(key, key) for _ in range(rounds) for key in "12345"]


async def meshtui_keys(kubeconfig: str, url: str, rounds: int) -> tuple[Timings, float, list[tuple[float, float]]]:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from meshtui.wiring import Wiring

    app = MeshApp(Wiring(kubeconfig=kubeconfig), UserSettings())
    times: Timings = {group: [] for group in KEYS}
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        deadline = time.monotonic() + 60
        while not (app.session is not None and len(app.panel("overview").pods) > 10):
            if time.monotonic() > deadline:
                raise SystemExit("never connected")
            await pilot.pause(0.1)
        paints = Paints(app)
        post(f"{url}/_sim/faults", {"api_latency_ms": LATENCY_MS})
        await paints.still()
        idle_from, idle_frames = time.perf_counter(), len(paints.times)
        await asyncio.sleep(3)  # frames painted with no key pressed: what could blur a burst's end
        idle_rate = (len(paints.times) - idle_frames) / (time.perf_counter() - idle_from)
        collector, in_gc = CollectorSpans(), []
        gc.callbacks.append(collector)
        for _ in range(rounds):
            for group, keys in KEYS.items():
                for key in keys:
                    timing = await paints.press_painted(key, CHARACTERS.get(key, key))
                    times[group].append(timing)
                    if timing is not None:
                        end = paints.times[-1]
                        start = end - timing[1]
                        in_gc.append((collector.within(start, end, (2,)), timing[1] - collector.within(start, end)))
        gc.callbacks.remove(collector)
        post(f"{url}/_sim/faults", {"api_latency_ms": 0})
    app.wiring.close()
    return times, idle_rate, in_gc


def summary(values: list[Timing]) -> dict[str, object]:
    painted = [v for v in values if v is not None]
    return {"press -> effect painted": percentiles_ms([last for _, last, _ in painted]),
            "press -> first frame": percentiles_ms([first for first, _, _ in painted]),
            "frames per key (median)": statistics.median([n for _, _, n in painted]) if painted else 0,
            "keys that changed nothing on screen (no frame)": len(values) - len(painted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = os.path.join(tmp, "state")
        os.environ["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        proc, url, kubeconfig = start_sim(Path(tmp))
        try:
            base = asyncio.run(yardstick(sum(len(k) for k in KEYS.values()) * args.rounds))
            tabs = asyncio.run(textual_tabs(args.rounds))
            ours, idle_rate, in_gc = asyncio.run(meshtui_keys(str(kubeconfig), url, args.rounds))
        finally:
            proc.terminate()
            proc.wait(30)
    every = [v for values in ours.values() for v in values]
    panel_keys = ours["shell"]
    yard = summary(base)
    data = {"api_latency_ms": LATENCY_MS, "size": list(SIZE), "load (uptime)": os.getloadavg(),
            "yardstick (minimal Textual app, one key)": yard,
            "reference: Textual TabbedContent switch (5 panes, focused 8x60 DataTable)": summary(tabs),
            **{f"meshtui {group} keys": summary(values) for group, values in ours.items()},
            "meshtui all keys": summary(every),
            "meshtui frames per second with no key pressed": round(idle_rate, 2),
            "meshtui keys with a full (gen 2) collection inside (n, ms each)": [
                sum(1 for full, _ in in_gc if full), [round(full * 1000) for full, _ in in_gc if full]],
            "meshtui all keys minus the collector's time inside (all generations)": percentiles_ms(
                [net for _, net in in_gc]),
            "meshtui per key: press -> effect painted ms (frames), each round": {
                f"{group} {key}": [f"{v[1] * 1000:.0f} ({v[2]})" if v else "-" for v in values[index::len(KEYS[group])]]
                for group, values in ours.items() for index, key in enumerate(KEYS[group])}}

    def ratio(values: list[Timing], field: str, to: list[Timing] = base) -> float:
        mine = summary(values)["press -> effect painted"][field]  # type: ignore[index]
        return round(mine / max(summary(to)["press -> effect painted"][field], 0.1), 2)  # type: ignore[index]

    data["ratio to yardstick (median, p95): all keys"] = [ratio(every, "median_ms"), ratio(every, "p95_ms")]
    data["ratio to yardstick (median, p95): panel switches"] = [ratio(panel_keys, "median_ms"),
                                                                ratio(panel_keys, "p95_ms")]
    data["ratio of panel switches to the Textual TabbedContent reference (median, p95)"] = [
        ratio(panel_keys, "median_ms", tabs), ratio(panel_keys, "p95_ms", tabs)]
    data["goal"] = "every key < 100 ms p95, press -> effect painted"
    report("keys_slow_api", data)


if __name__ == "__main__":
    main()
