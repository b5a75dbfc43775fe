"""The Traffic panel against the tester's fifth review (issue 15): the breaker form's help is on screen at every
size, a limit of 0 gets the CLI's true message, and a form draft re-based on someone else's change to a field the
draft changes says so. Pilot, sim over HTTP."""

from __future__ import annotations

import pytest

from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.form import FormScreen
from tests.conftest import SimCluster
from tests.ui.helpers import make_app, notifications, screen_text, wait_for
from tests.ui.test_traffic_panel import fill, traffic
from tests.ui.test_traffic_review4 import edit_dr


async def open_breaker(pilot, app, host: str) -> FormScreen:  # type: ignore[no-untyped-def]
    panel = await traffic(pilot, app)
    panel.select_host(host)
    await wait_for(pilot, lambda: panel.loaded is not None and panel.loaded.routes.host == host, what=host)
    await pilot.press("b")
    form = app.screen
    assert isinstance(form, FormScreen)
    return form


def flat(text: str) -> str:
    """The screen's text with the form's border and line breaks gone, so wrapped sentences read whole."""
    return " ".join("".join(ch for ch in line if ch not in "┃│▊▎█▔▁").strip() for line in text.splitlines())


@pytest.mark.parametrize("size", [(200, 55), (120, 40), (100, 30)])
async def test_the_breaker_form_help_is_all_readable_at_every_size(sim: SimCluster, size: tuple[int, int]) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=size) as pilot:
        form = await open_breaker(pilot, app, "ratings")
        help_widget = form.query_one("#form-help")
        scroller = form.query_one("VerticalScroll")
        seen = ""
        for _ in range(100):  # scroll down to the end of the form, as a user would, reading every screen
            await pilot.pause()
            seen += " " + " ".join(flat(screen_text(app)).split())
            if scroller.scroll_y >= scroller.max_scroll_y:
                break
            scroller.scroll_to(y=scroller.scroll_y + 3, animate=False)
        assert "This host has no" in seen, seen
        assert "Enter submits · Escape cancels" in seen, (size, help_widget.size, seen[-600:])
        assert "default" in seen[seen.index("This host has no"):], seen


async def test_a_limit_of_0_in_the_form_gets_the_cli_message(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        form = await open_breaker(pilot, app, "ratings")
        form.query_one("#field-max_connections").value = "0"  # type: ignore[attr-defined]
        await pilot.pause()
        form.action_submit()
        await wait_for(pilot, lambda: bool(form.problems), what="a problem shown")
        assert app.screen is form
        assert any("it accepts 0 but reads it as no limit at all" in p.message for p in form.problems), form.problems


async def test_a_form_draft_rebased_over_a_change_to_the_same_field_says_so(sim: SimCluster) -> None:
    edit_dr(sim, "ratings", lambda s: s.update(trafficPolicy={"connectionPool": {"tcp": {"maxConnections": 10}},
                                                              "outlierDetection": {"interval": "10s"}}))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await open_breaker(pilot, app, "ratings")
        panel = app.panel("traffic")
        await fill(pilot, app, {"max_connections": "50", "interval": "15s"})
        assert panel.dirty

        def theirs(spec: dict) -> None:
            spec["trafficPolicy"]["connectionPool"]["tcp"]["maxConnections"] = 70
            spec["trafficPolicy"]["outlierDetection"]["interval"] = "3s"
        edit_dr(sim, "ratings", theirs)
        await wait_for(pilot, lambda: panel.loaded.routes.dr["trafficPolicy"]["outlierDetection"]["interval"] == "3s",
                       timeout=30, what="the other writer's change loaded")
        clash = "ratings: maxConnections changed in the cluster to 70 since your draft (yours: 50)"
        await wait_for(pilot, lambda: any(clash in n for n in notifications(app)), what="the clash notice")
        assert any("interval changed in the cluster to 3s since your draft (yours: 15s)" in n
                   for n in notifications(app)), notifications(app)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        text = " ".join(app.screen.text().split())
        assert clash in text and "review before applying" in text, text
        assert "interval changed in the cluster to 3s since your draft (yours: 15s)" in text, text


async def test_a_rebase_over_a_change_to_another_field_raises_no_clash(sim: SimCluster) -> None:
    edit_dr(sim, "ratings", lambda s: s.update(trafficPolicy={"connectionPool": {"tcp": {"maxConnections": 10}},
                                                              "outlierDetection": {"interval": "10s"}}))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await open_breaker(pilot, app, "ratings")
        await fill(pilot, app, {"max_connections": "50"})
        assert app.panel("traffic").dirty
        edit_dr(sim, "ratings", lambda s: s["trafficPolicy"]["outlierDetection"].update(interval="3s"))
        await wait_for(pilot, lambda: any("re-based" in n for n in notifications(app)), timeout=30, what="re-based")
        assert not any("since your draft" in n for n in notifications(app)), notifications(app)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen) and "since your draft" not in app.screen.text()
