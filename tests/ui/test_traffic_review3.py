"""The Traffic panel against review-routes2: the conflict viewer says how to close it (#8), and an object too
large for meshtui's original-spec annotation is refused with the CLI's own words (#5). Pilot, sim over HTTP."""

from __future__ import annotations

import asyncio

from textual.widgets import Button

from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.text_view import TextViewScreen
from tests.cli.test_routes_review3 import big_spec
from tests.conftest import SimCluster
from tests.ui.helpers import make_app, notifications, screen_text, wait_for
from tests.ui.test_traffic_panel import edit_vs, spec, traffic


async def test_the_conflict_viewer_says_how_to_close_it_and_has_a_close_button(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("H", "a")
        assert isinstance(app.screen, ConfirmScreen)

        def kubectl_like(s: dict) -> None:
            s["http"][0]["timeout"] = "3s"
        await asyncio.to_thread(edit_vs, sim, "catalog", kubectl_like)  # races the confirm dialog
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen), what="the conflict")
        assert "Esc or q closes this view" in screen_text(app)
        close = app.screen.query_one("#view-close", Button)
        assert "Close" in str(close.label)
        await pilot.click("#view-close")
        await wait_for(pilot, lambda: not isinstance(app.screen, TextViewScreen), what="the viewer closed")
        assert panel.draft.weights() == {"v1": 50, "v2": 50}  # the draft, re-based, is still there


async def test_an_original_too_large_for_the_annotation_is_refused_with_the_reason(sim: SimCluster) -> None:
    edit_vs(sim, "ratings", lambda s: s.update(big_spec("ratings", 3000)))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        panel.select_host("ratings")
        await wait_for(pilot, lambda: panel.loaded is not None and panel.loaded.routes.host == "ratings",
                       what="ratings", timeout=60)
        await pilot.press("H")
        await wait_for(pilot, lambda: panel.dirty, what="the draft", timeout=60)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the diff", timeout=60)
        await pilot.press("y")
        await wait_for(pilot, lambda: any("meshtui.dev/original-spec" in n for n in notifications(app)),
                       what="the refusal", timeout=60)
        message = next(n for n in notifications(app) if "meshtui.dev/original-spec" in n)
        assert "meshtui keeps a copy of its original spec in its own annotation" in message
        assert "over the API server's limit of 256 KiB" in message and "nothing was written" in message
        assert len(spec(sim, "virtualservices", "ratings")["http"]) == 3001
