"""The Overview's `re:` filter: a catastrophic pattern cannot freeze the app; a slow one is given up and told."""

from __future__ import annotations

from textual.widgets import Input, Static

from meshtui.domain import pod_view
from tests.conftest import SimCluster
from tests.ui.helpers import make_app, wait_for
from tests.ui.test_overview import ready_app, shown_keys

SLOW = "(?:.|a)*" * 8 + r"\d{6}"
"""Slow even for the `regex` engine: ~10-20 ms a pod, far over a 10 ms budget for the whole pass."""


def note(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one("#filter-note", Static).render())


async def test_a_catastrophic_regex_leaves_the_app_answering(sim: SimCluster, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        total = len(shown_keys(app))
        overview = app.panel("overview")
        # `re` took over 20 s on ONE 57-character pod line with this one, holding the GIL: the app froze for good.
        await pilot.press("slash", *"re:(.*)*x", "enter")
        await wait_for(pilot, lambda: overview.view.filter.text == "re:(.*)*x", timeout=5, what="filter applied")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_keys(app)) == total and overview.view.filter.text == "",
                       timeout=5, what="Esc clears")
        monkeypatch.setattr(pod_view, "PASS_SECONDS", 0.01)
        await pilot.press("slash", *f"re:{SLOW}", "enter")
        await wait_for(pilot, lambda: note(app).startswith("regex too slow: it took over 0.01 s on "), timeout=5,
                       what="the slow regex is told")
        assert note(app).endswith(f" of {total:,} pods; simplify it")
        assert len(shown_keys(app)) == total  # not applied
        assert app.query_one("#pod-filter", Input).value == f"re:{SLOW}"
        await pilot.press("slash", "escape")
        await wait_for(pilot, lambda: note(app) == "" and not app.query_one("#pod-filter", Input).display, timeout=5,
                       what="Esc clears the filter and its note")
