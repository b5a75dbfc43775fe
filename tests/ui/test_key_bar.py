"""The key bar: the screen's keys, what a click on one does, and what happens when they do not fit."""

from __future__ import annotations

from meshtui.ui.screens.help import HelpScreen
from meshtui.ui.widgets.footer import KeyBar
from tests.conftest import SimCluster
from tests.ui.helpers import make_app, wait_for


def bar_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one(KeyBar).render())


async def test_the_bar_follows_the_panel_and_a_click_runs_the_key(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        bar = app.query_one(KeyBar)
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await wait_for(pilot, lambda: "Filter" in bar_text(app), what="the Overview's keys")
        assert "Wrap" not in bar_text(app)
        await pilot.press("2")
        await wait_for(pilot, lambda: "Wrap" in bar_text(app), what="the Logs panel's keys")
        assert "Filter" not in bar_text(app)
        assert all(span.end <= 160 for span in bar.spans)
        await pilot.press("1")
        await wait_for(pilot, lambda: any(s.key == "question_mark" for s in bar.spans), what="the help key")
        help_key = next(s for s in bar.spans if s.key == "question_mark")
        await pilot.click(KeyBar, offset=(help_key.start + 1, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help opened by a click")


async def test_keys_that_do_not_fit_are_counted_not_cut(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(80, 30)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        await pilot.press("4")
        bar = app.query_one(KeyBar)
        await wait_for(pilot, lambda: "more: ? help" in bar_text(app), what="the count of keys left out")
        text = bar_text(app)
        assert len(text) <= 80 and text.rstrip().endswith("palette")
        assert all(span.end <= 80 for span in bar.spans) and bar.spans
