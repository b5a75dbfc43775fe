"""The Logs panel: query box, follow/pause, search, toggles, pivot, save, hostile lines, bad queries."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from textual import events

from meshtui.config.settings import UserSettings
from meshtui.services.log_model import StreamSummary
from meshtui.ui.app import MeshApp
from meshtui.ui.screens.text_view import TextViewScreen
from tests.conftest import SimCluster, SimFactory
from tests.services.log_oracle import CUTS, Delivered, scenario_for
from tests.ui.helpers import make_app, notifications
from tests.ui.helpers import wait_for as wait_briefly


async def wait_for(pilot, condition, timeout: float = 60.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    """Generous by default: a busy 2-core machine is slower, never wrong."""
    await wait_briefly(pilot, condition, timeout, what)

HOSTILE = [
    "\x1b]52;c;ZXZpbC1jbGlwYm9hcmQ=\x07 clipboard write",
    "\x1b]0;pwned title\x07 title change",
    "\x1b[2J\x1b[H screen clear",
    "\x1bP1$r0m\x1b\\ dcs",
    "bell\x07 and backspace\x08 and C1\u009b31m",
    "invalid utf8 follows: \udcff\udcfe",
    "x" * 1_000_000,
]
KEY_NAMES = {" ": "space", "/": "slash", "=": "equals_sign", "-": "minus", "[": "left_square_bracket",
             ".": "full_stop", "^": "circumflex_accent", "$": "dollar_sign", "'": "apostrophe"}


async def logs_ready(pilot, app, query: str = "") -> object:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.session is not None, timeout=60, what="session")
    await pilot.press("2")
    panel = app.panel("logs")
    if query:
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.focused is panel.box, timeout=30, what="the query box")
        panel.box.value = query
        await pilot.press("enter")
    return panel


def burst(app: MeshApp, keys: list[str]) -> None:
    """Keys as a terminal delivers fast typing: all queued at once, nothing waits for the app."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        name = KEY_NAMES.get(key, key)
        char = key if len(key) == 1 else (" " if key == "space" else None)
        event = events.Key(name, char)
        event.set_sender(app)
        driver.send_message(event)


async def test_query_follow_pause_and_resume(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop -l app=catalog")
        await wait_for(pilot, lambda: panel.engine is not None and len(panel.engine.tails) == 3, what="3 tails")
        pod = sorted(k[1] for k in panel.engine.tails)[0]
        sim.push_log("shop", pod, "catalog", [f"line {i}" for i in range(200)])
        view = panel.view
        await wait_for(pilot, lambda: any(x.raw == "line 199" for x in view.lines), what="lines")
        await wait_for(pilot, lambda: "3 following" in str(panel.query_one("#log-status").render()), what="status")
        assert view.following
        await pilot.press("up", "up", "up")
        assert not view.following and "paused" in str(panel.query_one("#log-status").render())
        count = len(view.lines)
        sim.push_log("shop", pod, "catalog", ["while paused"])
        await wait_for(pilot, lambda: len(view.lines) == count + 1, what="line while paused")
        assert view.cursor < len(view.lines) - 1  # the view did not jump
        await pilot.press("end")
        assert view.following and view.cursor == len(view.lines) - 1
        await pilot.press("space")
        assert not view.following
        await pilot.press("space")
        assert view.following


async def test_search_wrap_json_timestamps_clear(sim: SimCluster) -> None:
    sim.send(30, path="/")
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop catalog-v1 -c catalog --tail 100")
        view = panel.view
        # the lines of this query (not of the panel's first one, which a busy machine may still show)
        await wait_for(pilot, lambda: len(view.lines) >= 30 and any("listening" in x.raw for x in view.lines)
                       and all(x.container == "catalog" for x in view.lines), what="catalog lines")
        await pilot.press("slash", *"listening", "enter")
        await wait_for(pilot, lambda: view.current() is not None and "listening" in view.current().raw, what="match")
        await pilot.press("n")
        await pilot.press("N")
        await wait_for(pilot, lambda: not view.searching, what="search done")
        assert "listening" in view.current().raw
        assert view.structured
        json_line = next(x for x in view.lines if x.raw.startswith("{"))
        assert view._text(json_line).startswith("INFO")  # level / message / fields
        await pilot.press("j")
        assert not view.structured and view._text(json_line).startswith("{")
        await pilot.press("w")
        assert view.wrap and view.virtual_size.height >= view.size.height
        await pilot.press("t")
        assert view.timestamps and view._prefix(view.lines[-1])[2] == ":"
        await pilot.press("x")
        assert len(view.lines) == 0


async def test_sidecar_toggle_expand_and_request_pivot(sim: SimCluster) -> None:
    sim.send(5, path="/", headers={"x-request-id": "panel-pivot-1", "end-user": "u"})
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop catalog-v1 --tail 50")
        view = panel.view
        await wait_for(pilot, lambda: any(x.request_id == "panel-pivot-1" for x in view.lines), what="lines")
        assert {x.container for x in view.lines} == {"catalog"}
        await pilot.press("p")
        await wait_for(pilot, lambda: "istio-proxy" in {x.container for x in view.lines}, what="sidecar lines")
        assert panel.query_obj.sidecars and "--sidecars" in panel.box.value
        index = max(i for i, x in enumerate(view.lines) if x.request_id == "panel-pivot-1")
        view.following = False
        view.cursor = index
        await pilot.press("enter")
        assert isinstance(app.screen, TextViewScreen)
        await pilot.press("escape")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen) and panel.last_pivot == "panel-pivot-1",
                       what="pivot view")
        text = app.screen.query_one("#view-text").text
        assert "istio-system/istio-ingressgateway" in text and "shop/ratings-v1" in text
        await pilot.press("escape")


async def test_save_writes_full_lines(sim: SimCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop orders -c orders")
        await wait_for(pilot, lambda: panel.engine is not None and panel.engine.tails, timeout=60, what="tail")
        pod = next(iter(panel.engine.tails))[1]
        long = "L" * 5000
        sim.push_log("shop", pod, "orders", [long])
        await wait_for(pilot, lambda: any(x.raw == long for x in panel.view.lines), timeout=60, what="long line")
        shown = next(x for x in panel.view.lines if x.raw == long)  # other lines may follow it
        assert panel.view._text(shown).endswith("chars]")  # truncated on screen
        await pilot.press("s")
        await wait_for(pilot, lambda: any("saved" in n for n in notifications(app)), timeout=60, what="saved notice")
        saved = list(tmp_path.glob("meshtui-logs-*.log"))
        assert len(saved) == 1 and long in saved[0].read_text()


async def test_hostile_lines_leave_the_screen_and_app_intact(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop ratings-v1 -c ratings")
        await wait_for(pilot, lambda: panel.engine is not None and panel.engine.tails, what="tail")
        pod = next(iter(panel.engine.tails))[1]
        sim.push_log("shop", pod, "ratings", HOSTILE)
        await wait_for(pilot, lambda: sum(1 for x in panel.view.lines if "x" * 100 in x.raw) == 1, what="all lines")
        for wrapped in (False, True):
            assert panel.view.wrap is wrapped
            rendered = [panel.view.render_line(y).text for y in range(panel.view.size.height)]
            screen = "\n".join(rendered)
            for bad in ("\x1b", "\x07", "\x08", "\u009b"):
                assert bad not in screen
            assert "␛]52;c;" in screen and "␛]0;pwned title" in screen and "\\x9b31m" in screen
            assert "\ufffd" in screen  # invalid UTF-8 shown as replacement characters
            await pilot.press("w")
        exported = app.export_screenshot()
        assert "\x1b]52" not in exported and "\x1b]0;" not in exported
        await pilot.press("1", "2")  # the app still responds
        assert app.query_one("#log-view") is panel.view


async def test_bad_query_is_one_clear_message_and_never_silently_ignored(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop catalog")
        await wait_for(pilot, lambda: panel.engine is not None and len(panel.engine.tails) == 3, timeout=60,
                       what="tails")
        engine = panel.engine
        status = panel.query_one("#log-status")
        for text, message in (("cat[", "bad pod regex 'cat[': unterminated character set at position 3"),
                              ("-n shop -c '('", "bad container regex '('"),
                              ("--since forever", "not a duration: 'forever'"),
                              ("--tail many", "--tail must be -1 (all lines) or 0 to 1,000,000,000 lines (got 'many')"),
                              ("--no-follow", "unrecognized arguments: --no-follow"),
                              ("-l app=(", "bad label selector 'app=(': expected a value, found '('")):
            await pilot.press("e")
            await wait_for(pilot, lambda: app.screen.focused is panel.box, timeout=30, what="the query box")
            panel.box.value = text
            await pilot.press("enter")
            await wait_for(pilot, lambda m=message: m in str(status.render()), timeout=30, what=f"the message {message}")
            assert "still showing: -n shop catalog" in str(status.render())
            assert panel.box.value == text and panel.box.has_class("-invalid") and app.screen.focused is panel.box
            assert panel.engine is engine  # the old query kept running, and the status line says so
            sim.push_log("shop", sorted(k[1] for k in engine.tails)[0], "catalog", [f"after {text}"])
            await wait_for(pilot, lambda t=text: any(x.raw == f"after {t}" for x in panel.view.lines), timeout=60,
                           what="line")
            assert message in str(status.render())  # new lines do not wipe the error
            assert any(message in n for n in notifications(app))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.focused is panel.view, timeout=30, what="the view's focus")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.focused is panel.box, timeout=30, what="the query box")
        panel.box.value = "-n shop catalog-v1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: panel.engine is not engine, timeout=30, what="the new query")
        assert "✘" not in str(status.render())


async def test_fast_typing_after_e_and_backspaces_keeps_every_key(sim: SimCluster) -> None:
    """Keys queued right behind `e` used to reach the view's bindings (p toggled sidecars and rewrote the box)."""
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop ratings")
        await wait_for(pilot, lambda: panel.engine is not None and panel.engine.tails, what="tails")
        sim.set_faults(api_latency_ms=50)  # a busy app: the keys pile up
        sim.send(50, path="/")
        typed = "deploy/catalog-v1 status=5xx"
        burst(app, ["e", *["backspace"] * 40, *"-n shop deploy/nothing", *["backspace"] * 22, *typed, "enter"])
        await wait_for(pilot, lambda: panel.query_obj is not None and panel.query_obj.workload == "deploy/catalog-v1",
                       what="the typed query")
        assert panel.query_obj.field_filters == ("status=5xx",) and not panel.query_obj.sidecars
        assert panel.query_obj.namespace == "shop" and panel.box.value == typed
        assert not list(Path.home().glob("meshtui-logs-*.log"))  # no `s` reached the panel
        burst(app, ["slash", *"listening", "enter"])
        await wait_for(pilot, lambda: panel.view.search is not None, what="the search")
        assert panel.view.search.pattern == "listening"


async def test_buffer_cap_from_settings_and_query_and_the_evicted_count(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig), settings=UserSettings(log_buffer_lines=300))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop orders -c orders --tail 0")
        await wait_for(pilot, lambda: panel.summary is not None and panel.summary.following == 1, what="following")
        assert panel.view.lines.capacity == 300
        pod = next(iter(panel.engine.tails))[1]
        sim.push_log("shop", pod, "orders", [f"n{i}" for i in range(1000)])
        await wait_for(pilot, lambda: any(x.raw == "n999" for x in panel.view.lines), what="the last line")
        pushed = [x.raw for x in panel.view.lines if x.raw.startswith("n")]  # the pod may log a line of its own
        assert len(panel.view.lines) == 300 and pushed == [f"n{i}" for i in range(1000 - len(pushed), 1000)]
        evicted, dropped = panel.view.evicted, panel.dropped  # evicted by the view, or never queued past the cap
        assert evicted + dropped >= 700
        told = [f"{evicted:,} evicted"] * bool(evicted) + [f"{dropped:,} dropped at the cap"] * bool(dropped)
        await wait_for(pilot, lambda: all(x in str(panel.query_one("#log-status").render()) for x in told),
                       what="the evicted and dropped counts")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.focused is panel.box, timeout=30, what="the query box")
        panel.box.value = "-n shop orders -c orders --tail 0 --buffer 5000"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "/5,000 kept" in str(panel.query_one("#log-status").render()), what="the new cap")
        assert panel.view.lines.capacity == 5000
        status = str(panel.query_one("#log-status").render())
        assert "evicted" not in status and "dropped" not in status  # a new query starts a new count


async def test_theme_change_restyles_the_view(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop catalog-v1 -c catalog")
        await wait_for(pilot, lambda: len(panel.view.lines) > 0, what="lines")
        before = list(panel.view.render_line(0))[0].style
        await pilot.press("T")
        await pilot.pause()
        after = list(panel.view.render_line(0))[0].style
        assert before is not None and after is not None and before.color != after.color


@pytest.mark.parametrize("drop_after", CUTS)
async def test_the_panel_shows_every_line_once_under_faults(sim_factory: SimFactory, drop_after: int) -> None:
    """Cuts every N lines, 20 % API errors (and 300 ms latency for N = 7, 97), a crash, a deletion and a scale
    up and down, during a follow."""
    sim = sim_factory()
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop -l app=catalog -c ^catalog$ --tail -1 --buffer 100000")
        await wait_for(pilot, lambda: panel.summary is not None and panel.summary.following == 3, timeout=30,
                       what="three following streams")
        seen: list[StreamSummary] = []

        def delivered() -> Delivered:
            if panel.summary is not None:
                seen.append(panel.summary)
            got: Delivered = {}
            for line in list(panel.view.lines):
                got.setdefault((line.pod, line.container), []).append((line.instance, line.raw, line.marker is not None))
            return got

        scenario = scenario_for(drop_after)
        got = await asyncio.to_thread(scenario.run, sim, delivered)
        scenario.check(got)
        assert max(s.reconnects for s in seen) > 0
        await wait_for(pilot, lambda: panel.summary is not None and panel.summary.ended >= 2, what="ended streams")
        status = str(panel.query_one("#log-status").render())
        assert "ended" in status and "gap" not in status
        marker = next(i for i, x in enumerate(panel.view.lines) if x.marker)
        panel.view.following = False
        panel.view.cursor = marker
        panel.view._show_cursor()
        await pilot.pause()
        screen = "\n".join(panel.view.render_line(y).text for y in range(panel.view.size.height))
        assert "── catalog restarted (#1, Error) ──" in screen


async def test_status_line_shows_reconnecting_streams_and_recovery(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop -l app=catalog -c ^catalog$")
        status = panel.query_one("#log-status")
        await wait_for(pilot, lambda: "streams: 3 following" in str(status.render()), timeout=30, what="following")
        sim.set_faults(drop_log_streams_after=1, api_error_rate=1.0)
        for pod in sorted({line.pod for line in panel.view.lines}):
            sim.push_log("shop", pod, "catalog", ["cut after this"])
        await wait_for(pilot, lambda: re.search(r"3 reconnecting \(attempt ([3-9]|\d\d)", str(status.render())), timeout=30,
                       what="reconnecting streams with their attempts")
        assert "streams: 0 following" in str(status.render())
        sim.set_faults(drop_log_streams_after=0, api_error_rate=0)
        await wait_for(pilot, lambda: "streams: 3 following" in str(status.render()), timeout=30, what="recovered")
        assert sum(1 for x in panel.view.lines if x.raw == "cut after this") == 3


async def test_a_missing_pod_is_said_in_the_status_line(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop pod/nope")
        status = panel.query_one("#log-status")
        await wait_for(pilot, lambda: "pod 'nope' not found in namespace shop" in str(status.render()),
                       what="the not-found message")
