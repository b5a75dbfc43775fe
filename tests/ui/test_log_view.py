"""The log view costs what the screen shows: the same work at 100 lines and at the buffer cap.

Work is counted, not timed: how many lines each operation measures or renders (`_parts`)
must not grow with the buffer. Timings live in benchmarks/logs_tui.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult

from meshtui.domain.logs import LogLine
from meshtui.ui.app import THEMES
from meshtui.ui.widgets.log_view import LogView
from meshtui.ui.widgets.log_view_moves import SEARCH_STEP

CAP = 20_000


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogView(max_lines=CAP, id="view")

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "meshtui-dark"


def lines(count: int, start: int = 0) -> list[LogLine]:
    return [LogLine("shop", f"pod-{i % 7}", "app", "v1", 1_700_000_000_000_000_000 + i,
                    f"line {i} " + "lorem ipsum dolor sit amet " * (1 + i % 9), 0) for i in range(start, start + count)]


async def work(count: int, operation: Callable[[LogView], object]) -> int:
    """Lines measured or rendered by `operation` (and the frame after it) with `count` lines kept."""
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(LogView)
        view.append(lines(count))
        await pilot.pause()
        calls = 0
        parts = view._parts

        def counted(index: int) -> tuple[str, str]:
            nonlocal calls
            calls += 1
            return parts(index)
        view._parts = counted  # type: ignore[method-assign]
        operation(view)
        await pilot.pause()
        await pilot.pause()
        return calls


OPERATIONS: dict[str, Callable[[LogView], object]] = {
    "wrap on": lambda v: v.set_wrap(True),
    "wrap on and off": lambda v: (v.set_wrap(True), v.set_wrap(False)),
    "append while wrapped": lambda v: (v.set_wrap(True), v.append(lines(50, 10**6))),
    "resize": lambda v: v.app.call_later(v.app.screen.refresh, layout=True) or v.on_resize(),
    "theme": lambda v: setattr(v.app, "theme", "meshtui-light"),
    "pause and scroll up": lambda v: (v.action_cursor(-5), v.action_page(-1)),
    "follow again": lambda v: (v.action_top(), v.action_follow()),
    "json toggle": lambda v: v.set_structured(False),
    "timestamps": lambda v: v.set_timestamps(True),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_each_operation_costs_the_same_at_100_lines_and_at_the_cap(name: str) -> None:
    small = await work(100, OPERATIONS[name])
    full = await work(CAP, OPERATIONS[name])
    assert full <= max(small, 1) * 2 + 30, f"{name}: {small} lines at 100, {full} at {CAP}"
    assert full < 400  # a few screenfuls (30 rows), never the buffer


async def test_a_wrap_toggle_restyles_no_line_and_a_search_restyles_the_screen() -> None:
    """Styled rows outlive a frame: wrap on/off only re-cuts them; what changes the look rebuilds them."""
    import re

    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(LogView)
        view.append(lines(CAP))
        for _ in range(2):  # both screens (wrapped and not) painted once
            view.set_wrap(not view.wrap)
            await pilot.pause()
        styled = 0
        strip = view._look.strip

        def counted(*args: object) -> object:
            nonlocal styled
            styled += 1
            return strip(*args)  # type: ignore[arg-type]
        view._look.strip = counted  # type: ignore[method-assign]
        for _ in range(3):
            view.set_wrap(not view.wrap)
            await pilot.pause()
        assert view.wrap and styled == 0, f"a wrap toggle restyled {styled} lines"
        view.search = re.compile("lorem")
        await pilot.pause()
        rows = [view.render_line(y) for y in range(view.size.height)]
        assert 0 < styled <= view.size.height * 2
        assert any(seg.text == "lorem" and seg.style is not None and seg.style.bgcolor is not None
                   for row in rows for seg in row)  # the marks show at once


async def test_search_scans_in_bounded_steps_and_finds_the_oldest_line() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(LogView)
        view.append(lines(CAP))
        view.append([LogLine("shop", "p", "c", "", 0, "needle in the oldest half", 0)])
        view.append(lines(CAP // 2, CAP))  # the needle is now in the middle of a full ring
        import re

        view.search = re.compile("needle")
        view.find(forward=False)
        assert view.searching  # one step did not cover the buffer: the loop got control back
        steps = 0
        while view.searching and steps < 100:
            await pilot.pause(0.01)
            steps += 1
        assert not view.searching and view.current() is not None and view.current().raw.startswith("needle")
        assert steps >= (CAP // 2) // SEARCH_STEP - 1


async def test_wrapped_lines_fill_the_screen_from_the_bottom_when_following() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        view.set_wrap(True)
        view.append([LogLine("shop", "p", "c", "", 0, f"{i}:" + "x" * 150, 0) for i in range(500)])
        await pilot.pause()
        rows = [view.render_line(y).text for y in range(view.size.height)]
        assert rows[-1].rstrip().endswith("x") and "499:" in "".join(rows)
        assert view.evicted == 0 and len(view.lines) == 500
        await pilot.press("up", "up", "up")
        rows = [view.render_line(y).text for y in range(view.size.height)]
        assert not view.following and "496:" in "".join(rows)  # the cursor line is on screen


async def test_a_flood_and_wrap_toggles_lay_the_screen_out_only_when_a_scrollbar_comes_or_goes() -> None:
    """A screen layout re-arranges every widget (tens of ms under a flood): a batch appended while wrapped
    and a wrap toggle change only this view's scrollable size, so they repaint the view and its bars."""
    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(LogView)
        narrow = [LogLine("shop", "p", "c", "", 0, f"short {i}", 0) for i in range(CAP)]
        view.append(narrow)
        view.set_wrap(True)
        layouts: list[object] = []
        app.screen.screen_layout_refresh_signal.subscribe(view, layouts.append, immediate=True)
        for _ in range(200):  # the first screenful brought the vertical bar: wait for its layouts to be over
            layouts.clear()
            await pilot.pause(0.02)
            if view.show_vertical_scrollbar and not layouts:
                break
        layouts.clear()
        for _ in range(2):  # the lines fit the width wrapped or not: no scrollbar comes or goes
            view.set_wrap(False)
            await pilot.pause()
            view.set_wrap(True)
            await pilot.pause()
        tops = set()
        for batch in range(6):  # lines of 1-3 rows: the last screenful starts at a different line each time
            view.append(lines(7, 10**6 + batch * 7))
            tops.add(view.virtual_size.height)
            await pilot.pause()
        assert len(tops) > 1 and layouts == [], f"{len(layouts)} screen layouts"
        # the bars and the screen still follow the buffer: the thumb at the bottom, the newest line last
        assert view.vertical_scrollbar.window_virtual_size == view.virtual_size.height
        assert view.scroll_y == view.max_scroll_y and view.following
        newest = view.lines[len(view.lines) - 1].raw
        assert newest.split()[1] in "".join(view.render_line(y).text for y in range(view.size.height))
        view.set_wrap(False)  # wide lines unwrapped: the horizontal bar comes, and the screen is laid out
        await pilot.pause()
        await pilot.pause()
        assert view.show_horizontal_scrollbar and layouts
        assert view.horizontal_scrollbar.window_virtual_size == view.virtual_size.width


async def test_a_full_buffer_adds_nothing_for_the_garbage_collector_to_walk() -> None:
    """Under a flood Python's full collections stop the app (0.1-0.3 s each when they walked the whole
    heap): after the first batch what exists is frozen, and kept lines are not objects the collector
    tracks, so 20,000 fresh lines leave its walk as short as before; the app's end gives it all back."""
    import gc

    app = ViewApp()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(LogView)
        view.append(lines(100))
        await wait_frozen(pilot)
        gc.collect()
        before = len(gc.get_objects())
        view.append(lines(CAP, 10**6))  # every line kept before is evicted: the buffer is all new lines
        await pilot.pause()
        gc.collect()
        grown = len(gc.get_objects()) - before
        assert len(view.lines) == CAP and grown < CAP // 4, f"{grown} more tracked objects"
    assert gc.get_freeze_count() == 0


async def wait_frozen(pilot: object) -> None:
    import gc

    for _ in range(200):
        if gc.get_freeze_count():
            return
        await pilot.pause(0.02)  # type: ignore[attr-defined]
    raise AssertionError("nothing was frozen after the first batch")
