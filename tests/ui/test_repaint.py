"""Redraws with nothing new cost no reflow and no frame; a change, even of colour only, still shows.

A key pressed while a panel redraws the same lines (a health tick, a sample for a hidden
panel, a panel shown again) waited behind a reflow of the whole screen and a frame. And
`p` on Setup read the next profile's plan twice, so its steps table was drawn twice.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from meshtui.sim import SimCluster
from meshtui.ui.repaint import update_static
from tests.ui.helpers import make_app, wait_for


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("", id="line")


async def test_the_same_line_is_not_redrawn_but_a_colour_change_is() -> None:
    app = _One()
    async with app.run_test() as pilot:
        line = app.query_one("#line", Static)
        assert update_static(line, Text("3 pods", style="green"))
        assert not update_static(line, Text("3 pods", style="green"))
        assert update_static(line, Text("3 pods", style="red"))  # Rich's == ignores the base style
        await pilot.pause()
        assert line.content.style == "red"
        assert update_static(line, Content.styled("3 pods", "$error"))
        assert not update_static(line, Content.styled("3 pods", "$error"))
        assert update_static(line, Content.styled("3 pods", "$warning"))  # Content's == compares the text only
        assert update_static(line, "3 pods") and not update_static(line, "3 pods")
        assert update_static(line, "4 pods", fixed_size=True)
        await pilot.pause()
        assert str(line.render()) == "4 pods"
        shown = Text("5 pods")
        assert update_static(line, shown)
        shown.append(" (1 new)")  # the very object on screen, changed in place, is drawn again
        assert update_static(line, shown)


async def test_p_on_setup_reads_the_next_profiles_plan_once(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    reads: list[str] = []
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="session")
        plan_up = app.wiring.plan_up

        def counted(profile: str) -> list[tuple[str, str]]:
            reads.append(profile)
            return plan_up(profile)
        app.wiring.plan_up = counted  # type: ignore[method-assign]
        await pilot.press("5")
        setup = app.panel("setup")
        await wait_for(pilot, lambda: len(setup.profiles) > 1 and setup.plan_profile is not None, what="a plan")
        await wait_for(pilot, lambda: all(w.is_finished for w in app.workers if w.group == "plan"), what="plans")
        reads.clear()
        await pilot.press("p")
        await wait_for(pilot, lambda: setup.plan_profile == setup.profile, what="the next profile's plan")
        await wait_for(pilot, lambda: all(w.is_finished for w in app.workers if w.group == "plan"), what="plans")
        assert reads == [setup.profile]
