"""The headless half of `overview_scale`: one app in a process of its own, instrumented from outside.

Timing hooks wrap three methods for the duration of the run: the pod store's `apply`
(when each watch event became the table's state), the pods table's `render_line` (when
the table was painted) and the panel's `_show_order` (when a filter or sort took
effect). Nothing in the product is changed for the benchmark. Keys are posted to the app
the way a terminal delivers them. `overview_scale` runs this module once per run, in a
fresh interpreter, so memory figures are those of one app.

Run alone: .venv/bin/python -m benchmarks.overview_live URL KUBECONFIG TOTAL RATE SECONDS [--without-resources]
(`--without-resources` is a diagnostic: the Resources panel is not attached, so it does not sample.)
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil
from textual import events

from benchmarks.common import post

KEY_NAMES = {"-": "minus", "/": "slash", ":": "colon", "[": "left_square_bracket", "]": "right_square_bracket",
             "{": "left_curly_bracket", "}": "right_curly_bracket", "$": "dollar_sign", "^": "circumflex_accent",
             "+": "plus", " ": "space"}


async def live_run(url: str, kubeconfig: Path, total: int, rate: float, seconds: float,
                   without_resources: bool = False) -> dict:
    import asyncio

    from meshtui.config.settings import UserSettings
    from meshtui.domain.pod_view import PodView
    from meshtui.domain.workloads import PodSummary
    from meshtui.ui.app import MeshApp
    from meshtui.ui.panels.overview_actions import OverviewActions
    from meshtui.ui.widgets.virtual_table import VirtualTable
    from meshtui.wiring import Wiring

    applied: dict[str, list[tuple[int, float]]] = {}
    churn_started = [float("inf")]
    paints: list[float] = []
    orders: list[float] = []
    original = (PodView.apply, VirtualTable.render_line, OverviewActions._show_order)

    def apply(self: PodView, upserts: Mapping[str, PodSummary], deletes: object, resynced: bool = False) -> object:
        result = original[0](self, upserts, deletes, resynced)  # type: ignore[arg-type]
        now = time.time()
        for pod in upserts.values():
            if pod.namespace == "load" and pod.restarts and now >= churn_started[0]:
                applied.setdefault(pod.name, []).append((pod.restarts, now))
        return result

    def render_line(self: VirtualTable, y: int) -> object:
        if y == 0 and self.id == "pods":
            paints.append(time.perf_counter())
        return original[1](self, y)

    def show_order(self: OverviewActions) -> None:
        original[2](self)
        orders.append(time.perf_counter())

    PodView.apply, VirtualTable.render_line, OverviewActions._show_order = (  # type: ignore[method-assign,assignment]
        apply, render_line, show_order)
    if without_resources:  # diagnostic: how much of the load is the (hidden) Resources panel sampling every pod
        from meshtui.ui.panels.resources import ResourcesPanel

        ResourcesPanel.attach = lambda self, session: None  # type: ignore[method-assign,assignment]
    process = psutil.Process()
    app = MeshApp(Wiring(kubeconfig=str(kubeconfig)), UserSettings())
    started = time.perf_counter()
    out: dict = {}
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            async def until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
                deadline = time.perf_counter() + timeout
                while not condition():
                    if time.perf_counter() > deadline:
                        raise TimeoutError("benchmark condition not met")
                    await asyncio.sleep(0.002)

            def table() -> VirtualTable:
                return app.query_one("#pods", VirtualTable)

            await until(lambda: app.session is not None and table().row_count >= total)
            full = time.perf_counter()
            await until(lambda: bool(paints) and paints[-1] >= full)
            out["full table (s)"] = paints[-1] - started
            out["rss full table (MB)"] = process.memory_info().rss / 1e6
            await pilot.pause(0.5)

            async def answer(name: str, keys: list[str], typed: str | None = None) -> float:
                """Key posted (for typed text: its last character in the box) -> the table repainted in order."""
                before = len(orders)
                mark = time.perf_counter()
                for key in keys:
                    app.post_message(events.Key(KEY_NAMES.get(key, key), key if len(key) == 1 else None))
                if typed is not None:
                    box = app.query_one("#pod-filter")
                    try:
                        await until(lambda: getattr(box, "value", None) == typed, timeout=30)
                    except TimeoutError:
                        raise TimeoutError(f"typed {typed!r}, the box has {getattr(box, 'value', None)!r}") from None
                    typing[name] = (time.perf_counter() - mark) * 1000
                    mark = time.perf_counter()
                await until(lambda: len(orders) > before, timeout=30)
                await asyncio.sleep(0.3)  # typed text may re-filter more than once: take the last one
                await until(lambda: bool(paints) and paints[-1] > orders[-1], timeout=30)
                done = next(p for p in paints if p > orders[-1])
                return (done - mark) * 1000

            typing: dict[str, float] = {}

            answers: dict[str, float] = {}
            for label in ("name", "status", "restarts", "age", "node", "version", "namespace"):
                answers[f"sort by {label}"] = await answer(label, ["s"])
            answers["reverse"] = await answer("reverse", ["S"])
            answers["reverse back"] = await answer("reverse", ["S"])
            answers["filter 'load-1234' typed"] = await answer("filter", ["slash", *"load-1234"], "load-1234")
            answers["clear filter (esc)"] = await answer("clear", ["escape"])
            regex = "re:^load/load-1[0-9]+7"
            answers["regex filter typed"] = await answer("regex", ["slash", *regex], regex)
            answers["clear regex (esc)"] = await answer("clear", ["escape"])
            out["answer by key"] = {k: round(v) for k, v in answers.items()}
            out["typing the filter (ms, key posted to text in the box)"] = {k: round(v) for k, v in typing.items()}
            out["answers (ms)"] = list(answers.values())

            cpu_before = sum(process.cpu_times()[:2])
            wall_before = time.perf_counter()
            churn_started[0] = time.time()
            post(url + "/_sim/churn", {"namespace": "load", "rate": rate, "seconds": seconds})
            peak = process.memory_info().rss
            while time.perf_counter() - wall_before < seconds + 2:
                await pilot.pause(0.25)
                peak = max(peak, process.memory_info().rss)
            out["cpu (cores)"] = (sum(process.cpu_times()[:2]) - cpu_before) / (time.perf_counter() - wall_before)
            out["rss peak (MB)"] = peak / 1e6
    finally:
        PodView.apply, VirtualTable.render_line, OverviewActions._show_order = original  # type: ignore[method-assign]
    sent = json.loads(urllib.request.urlopen(url + "/_sim/churn", timeout=60).read())["sent"]
    lags, missing = [], 0
    for name, value, at in sent:
        seen = [when for restarts, when in applied.get(name, []) if restarts >= value]
        if seen:
            lags.append(min(seen) - at)
        else:
            missing += 1
    lags.sort()
    out.update({"events sent": len(sent), "events applied": len(lags), "events missing": missing,
                "lag p50 (s)": statistics.median(lags), "lag p95 (s)": lags[int(len(lags) * 0.95)],
                "lag max (s)": lags[-1]})
    return out


def main() -> None:
    import asyncio
    import sys

    url, kubeconfig, total, rate, seconds = sys.argv[1:6]
    without = "--without-resources" in sys.argv[6:]
    print(json.dumps(asyncio.run(live_run(url, Path(kubeconfig), int(total), float(rate), float(seconds), without))))


if __name__ == "__main__":
    main()
