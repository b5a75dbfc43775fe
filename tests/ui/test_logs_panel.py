"""The Logs panel: query bar, follow/pause, search, toggles, pivot, save, hostile lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshtui.ui.screens.text_view import TextViewScreen
from tests.conftest import SimCluster
from tests.ui.helpers import make_app, notifications, wait_for

HOSTILE = [
    "\x1b]52;c;ZXZpbC1jbGlwYm9hcmQ=\x07 clipboard write",
    "\x1b]0;pwned title\x07 title change",
    "\x1b[2J\x1b[H screen clear",
    "\x1bP1$r0m\x1b\\ dcs",
    "bell\x07 and backspace\x08 and C1\u009b31m",
    "invalid utf8 follows: \udcff\udcfe",
    "x" * 1_000_000,
]


async def logs_ready(pilot, app, query: str = "") -> object:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.session is not None, what="session")
    await pilot.press("2")
    panel = app.panel("logs")
    if query:
        await pilot.press("e")
        panel.query_one("#log-query").value = query
        await pilot.press("enter")
    return panel


async def test_query_follow_pause_and_resume(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop -l app=catalog")
        await wait_for(pilot, lambda: panel.engine is not None and len(panel.engine.tails) == 3, what="3 tails")
        pod = sorted(k[1] for k in panel.engine.tails)[0]
        sim.push_log("shop", pod, "catalog", [f"line {i}" for i in range(200)])
        view = panel.view
        await wait_for(pilot, lambda: any(x.raw == "line 199" for x in view.lines), what="lines")
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
        await wait_for(pilot, lambda: len(view.lines) >= 30, what="catalog lines")
        await pilot.press("slash", *"listening", "enter")
        assert view.search is not None and "listening" in view.current().raw
        await pilot.press("n")
        await pilot.press("N")
        assert "listening" in view.current().raw
        assert view.structured
        json_line = next(x for x in view.lines if x.raw.startswith("{"))
        assert view._text(json_line).startswith("INFO")  # level / message / fields
        await pilot.press("j")
        assert not view.structured and view._text(json_line).startswith("{")
        await pilot.press("w")
        assert view.wrap and view.virtual_size.height >= len(view.lines)
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
        assert panel.query_obj.sidecars
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
        await wait_for(pilot, lambda: panel.engine is not None and panel.engine.tails, what="tail")
        pod = next(iter(panel.engine.tails))[1]
        long = "L" * 5000
        sim.push_log("shop", pod, "orders", [long])
        await wait_for(pilot, lambda: any(x.raw == long for x in panel.view.lines), what="long line")
        assert panel.view._text(panel.view.lines[-1]).endswith("chars]")  # truncated on screen
        await pilot.press("s")
        saved = list(tmp_path.glob("meshtui-logs-*.log"))
        assert len(saved) == 1 and long in saved[0].read_text()
        assert any("saved" in n for n in notifications(app))


async def test_hostile_lines_leave_the_screen_and_app_intact(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop ratings-v1 -c ratings")
        await wait_for(pilot, lambda: panel.engine is not None and panel.engine.tails, what="tail")
        pod = next(iter(panel.engine.tails))[1]
        sim.push_log("shop", pod, "ratings", HOSTILE)
        await wait_for(pilot, lambda: sum(1 for x in panel.view.lines if "x" * 100 in x.raw) == 1, what="all lines")
        await pilot.pause(0.3)
        rendered = [panel.view.render_line(y).text for y in range(panel.view.size.height)]
        screen = "\n".join(rendered)
        for bad in ("\x1b", "\x07", "\x08", "\u009b"):
            assert bad not in screen
        assert "\\x1b]52;c;" in screen and "\\x1b]0;pwned title" in screen
        assert "\ufffd" in screen  # invalid UTF-8 shown as replacement characters
        exported = app.export_screenshot()
        assert "\x1b]52" not in exported and "\x1b]0;" not in exported
        await pilot.press("1", "2")  # the app still responds
        assert app.query_one("#log-view") is panel.view


async def test_bad_query_is_one_clear_message(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(140, 40)) as pilot:
        panel = await logs_ready(pilot, app, "-n shop -c '(' ")
        status = str(panel.query_one("#log-status").render())
        assert "bad container regex" in status
        await pilot.press("e")
        panel.query_one("#log-query").value = "--since forever"
        await pilot.press("enter")
        assert "not a duration" in str(panel.query_one("#log-status").render())
