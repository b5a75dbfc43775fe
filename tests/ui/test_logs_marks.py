"""Stream events in the Logs view: a gap is a line where the lines are missing, a paused view loses
nothing it holds and tells what it dropped, and help lists every key that works (End included)."""

from __future__ import annotations

import re

from rich.color import Color
from textual.widgets import DataTable

from meshtui.config.settings import UserSettings
from meshtui.domain.logs import LogLine
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_reader import Notice, Source
from meshtui.services.log_stamps import Position
from meshtui.ui.panels.logs_marks import StreamMarks
from meshtui.ui.screens.help import HelpScreen
from meshtui.ui.widgets.footer import KeyBar
from meshtui.ui.widgets.log_view import LogView
from tests.conftest import SimCluster
from tests.services.log_oracle import post
from tests.ui.helpers import make_app, screen_text
from tests.ui.test_logs_panel import logs_ready, wait_for

SOURCE = Source("shop", "orders-1", "orders", "v1", 0)


def line(text: str, ts: int, instance: int = 0, pod: str = "orders-1", marker: str | None = None) -> LogLine:
    return LogLine("shop", pod, "orders", "v1", ts, text, 0, instance, marker)


def texts(lines: list[LogLine]) -> list[str]:
    return [x.raw if x.marker is None else f"<{x.marker}>" for x in lines]


def test_a_gap_waits_for_its_place_then_sits_between_the_lines_around_it() -> None:
    marks = StreamMarks()
    gap = Notice("gap", SOURCE, "log rotated before it could be read", since=Position(20), until=50)
    first = marks.place([line("a", 10), line("other pod", 30, pod="orders-2")], [], [gap], 0, False, 100)
    assert texts(first) == ["a", "other pod"]  # not emptied: lines before the gap may still be queued
    second = marks.place([line("b", 20), line("c", 50), line("d", 60)], [], [], 0, False, 100)
    assert texts(second) == ["b", "<gap>", "c", "d"]
    assert "from " + format_ns(20) + " until " + format_ns(50) in second[1].raw
    assert "orders-1/orders (#0)" in second[1].raw and "log rotated before it could be read" in second[1].raw


def test_a_gap_with_no_line_after_it_goes_after_the_batch_that_emptied_the_queue() -> None:
    marks = StreamMarks()
    gap = Notice("gap", SOURCE, "pod deleted before its log could be read to the end", since=Position(20))
    out = marks.place([line("a", 10), line("b", 20)], [], [gap], 0, True, 100)
    assert texts(out) == ["a", "b", "<gap>"] and out[-1].raw.count(" until ") == 0
    assert f"from {format_ns(20)}: pod deleted" in out[-1].raw


def test_a_later_instance_and_its_restart_marker_come_after_the_gap() -> None:
    marks = StreamMarks()
    gap = Notice("gap", SOURCE, "instance #0 restarted again before it could be read to the end",
                 since=Position(5))
    restart = line("── orders restarted (#1) ──", 0, instance=1, marker="restarted")
    out = marks.place([line("old", 5, instance=0), restart, line("new", 1, instance=1)], [], [gap], 0, False, 100)
    assert texts(out) == ["old", "<gap>", "<restarted>", "new"]  # by instance, whatever the stamps say
    assert f"from {format_ns(5)}: instance #0" in out[1].raw


def test_dropped_lines_are_told_where_they_were_dropped_and_never_counted_as_lines() -> None:
    marks = StreamMarks()
    out = marks.place([line("a", 1)], [line("b", 2), line("c", 3)], [], 0, True, 100)
    assert texts(out) == ["a", "<dropped>"] and "2 lines dropped here" in out[1].raw and "paused" in out[1].raw
    assert marks.place([], [line("d", 4)], [], 0, True, 100) == []  # nothing shown: told with the next line shown
    out = marks.place([line("e", 5)], [], [], 7, True, 100)  # and the engine dropped 7 more before "e"
    assert texts(out) == ["<dropped>", "e"] and "8 lines dropped here" in out[0].raw
    assert marks.cut_lines == 3


async def test_a_gap_is_a_marker_line_in_the_view_where_the_lines_are_missing(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(260, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop orders -c ^orders$ --tail 0")
        view = panel.view
        await wait_for(pilot, lambda: panel.summary is not None and panel.summary.following == 1, what="following")
        pod = next(iter(panel.engine.tails))[1]
        sim.push_log("shop", pod, "orders", [f"before {i}" for i in range(5)])
        await wait_for(pilot, lambda: any(x.raw == "before 4" for x in view.lines), what="the first lines")
        sim.set_faults(api_error_rate=1.0)  # the next reconnect cannot happen
        sim.set_faults(drop_log_streams_after=1)
        sim.push_log("shop", pod, "orders", ["cut here"])
        await wait_for(pilot, lambda: panel.summary is not None and panel.summary.reconnecting == 1, what="the cut")
        sim.push_log("shop", pod, "orders", [f"lost {i}" for i in range(40)])
        post(sim, "/_sim/rotate", {"namespace": "shop", "pod": pod, "keep": 10})
        sim.set_faults(api_error_rate=0, drop_log_streams_after=0)
        await wait_for(pilot, lambda: any(x.raw == "lost 39" for x in view.lines), what="the lines after the gap")
        await wait_for(pilot, lambda: any(x.marker == "gap" for x in view.lines), what="the gap marker")
        ours = [x for x in view.lines if x.marker or x.raw.startswith(("before", "lost", "cut"))]
        assert texts(ours) == [f"before {i}" for i in range(5)] + ["<gap>"] + [f"lost {i}" for i in range(30, 40)]
        since = next(x.ts for x in ours if x.raw == "before 4")
        until = next(x.ts for x in ours if x.raw == "lost 30")
        await pilot.pause()
        shown = screen_text(app)
        assert f"LINES LOST: {pod}/orders (#0) from {format_ns(since)} until {format_ns(until)}: " \
               "log rotated before it could be read" in shown
        assert panel.received == sum(1 for x in view.lines if x.marker is None)  # the marker is not a line
        row = next(y for y in range(view.size.height) if "LINES LOST" in view.render_line(y).text)
        colours = {seg.style.color for seg in view.render_line(row) if "LINES LOST" in seg.text and seg.style}
        assert colours == {Color.parse(app.current_theme.warning)}
        await pilot.press("slash")
        await wait_for(pilot, lambda: app.screen.focused is panel.box, timeout=30, what="the search box")
        panel.box.value = "lines lost"
        await pilot.press("enter")
        await wait_for(pilot, lambda: view.current() is not None and view.current().marker == "gap",
                       what="the search to find the marker")


async def test_a_paused_full_view_keeps_every_line_and_tells_what_it_dropped(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig), settings=UserSettings(log_buffer_lines=300))
    async with app.run_test(size=(160, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop orders -c ^orders$ --tail 0")
        view, status = panel.view, panel.query_one("#log-status")
        await wait_for(pilot, lambda: panel.summary is not None and panel.summary.following == 1, what="following")
        pod = next(iter(panel.engine.tails))[1]
        sim.push_log("shop", pod, "orders", [f"a{i}" for i in range(100)])
        await wait_for(pilot, lambda: any(x.raw == "a99" for x in view.lines), what="the first lines")
        await pilot.press("space", "pageup")
        assert not view.following
        await pilot.pause()
        paused_screen = [view.render_line(y).text for y in range(view.size.height)]
        sim.push_log("shop", pod, "orders", [f"b{i}" for i in range(1000)])
        await wait_for(pilot, lambda: "paused, view full: new lines are dropped" in str(status.render()),
                       what="the full paused view said")
        await wait_for(pilot, lambda: sum(1 for x in view.lines if x.raw.startswith("b")) + panel.dropped >= 1000
                       and not panel.engine.buffered(), what="every line shown or counted")
        assert view.evicted == 0 and len(view.lines) <= 300
        assert [f"a{i}" for i in range(100)] == [x.raw for x in view.lines if x.raw.startswith("a")]
        assert [view.render_line(y).text for y in range(view.size.height)] == paused_screen  # nothing moved
        shown = [int(x.raw[1:]) for x in view.lines if x.raw.startswith("b")]
        assert shown and shown == list(range(shown[0], shown[0] + len(shown)))  # one run: the rest was dropped
        assert panel.dropped >= 1000 - len(shown)  # (the pod may log lines of its own)
        assert f"{panel.dropped:,} dropped at the cap" in str(status.render())
        await pilot.press("end")
        assert view.following
        sim.push_log("shop", pod, "orders", ["after"])
        await wait_for(pilot, lambda: any(x.raw == "after" for x in view.lines), what="a line after resuming")
        told = [x.raw for x in view.lines if x.marker == "dropped"]
        assert told and all("dropped here at the buffer cap (300 lines): " in x for x in told)
        assert any("while the view was paused" in x for x in told)
        assert sum(int(re.search(r"── ([\d,]+) lines? dropped", x).group(1).replace(",", "")) for x in told) \
            == panel.dropped  # every dropped line told in the view, where it was dropped
        last_drop = max(i for i, x in enumerate(view.lines) if x.marker == "dropped")
        after = next(i for i, x in enumerate(view.lines) if x.raw == "after")
        assert last_drop < after  # the last drop is told before "after"; between them at most the pod's own lines
        assert not [x.raw for x in view.lines[last_drop + 1:after] if re.fullmatch(r"[ab]\d+", x.raw)]
        await pilot.pause()
        assert "lines dropped here at the buffer cap" in screen_text(app)
        assert "paused" not in str(status.render())


async def test_help_lists_every_logs_key_that_works_end_included(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await logs_ready(pilot, app)
        listed = {info.id: info for info in app.all_actions() if info.panel == "Logs"}
        for binding in LogView.BINDINGS:
            assert binding.id in listed, f"{binding.key} works in the view but help does not list it"  # type: ignore[union-attr]
        assert listed["logs.follow"].key == "End" and "Follow" in listed["logs.follow"].description
        for info in listed.values():  # no dead keys: every listed action runs somewhere in the panel
            assert callable(getattr(panel, f"action_{info.action.split('(')[0]}", None)), info
        await wait_for(pilot, lambda: "Follow" in str(app.query_one(KeyBar).render()), what="End on the key bar")
        await pilot.press("up", "up")
        assert not panel.view.following
        await app.run_action("follow", panel)  # as the palette runs it: at the panel
        assert panel.view.following
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert ["Logs", "End", "Follow: jump to the end and resume", "logs.follow", ""] in rows
        assert {"↑", "↓", "PgUp", "PgDn", "Home", "End"} <= {row[1] for row in rows if row[0] == "Logs"}
