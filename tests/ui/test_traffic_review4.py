"""The Traffic panel against the tester's fourth review: a form records only the fields the user changed, so a
draft re-based on another writer's change keeps that change (D2), and the breaker form shows fields that are not
set as empty, adding no defaults to an existing breaker (D1). Pilot, sim over HTTP."""

from __future__ import annotations

from kubernetes import client

from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.form import FormScreen
from tests.conftest import SimCluster, api_client
from tests.ui.helpers import make_app, notifications, wait_for
from tests.ui.test_traffic_panel import GROUP, VERSION, apply, edit_vs, fill, spec, traffic


def edit_dr(sim: SimCluster, name: str, change) -> None:  # type: ignore[no-untyped-def]
    """Another writer (kubectl) changes the DestinationRule."""
    api = client.CustomObjectsApi(api_client(sim))
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", name)
    change(obj["spec"])
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", name, obj)


def outlier_of(routes) -> dict:  # type: ignore[no-untyped-def]
    return ((routes.dr or {}).get("trafficPolicy") or {}).get("outlierDetection") or {}


async def test_a_breaker_draft_rebased_keeps_the_other_writers_threshold(sim: SimCluster) -> None:
    edit_dr(sim, "ratings", lambda s: s.update(trafficPolicy={"outlierDetection": {"consecutive5xxErrors": 7}}))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        panel.select_host("ratings")
        await wait_for(pilot, lambda: panel.loaded is not None and panel.loaded.routes.host == "ratings",
                       what="ratings")
        await pilot.press("b")
        form = app.screen
        assert isinstance(form, FormScreen)
        shown = form.values()
        assert shown["consecutive_errors"] == "7"
        assert shown["interval"] == "" and shown["max_connections"] == ""  # not set: empty, no default filled in
        await fill(pilot, app, {"max_connections": "60"})
        assert panel.dirty
        edit_dr(sim, "ratings", lambda s: s["trafficPolicy"]["outlierDetection"].update(consecutive5xxErrors=9))
        await wait_for(pilot, lambda: outlier_of(panel.loaded.routes).get("consecutive5xxErrors") == 9,
                       timeout=30, what="the other writer's change on screen")
        await wait_for(pilot, lambda: any("re-based" in n for n in notifications(app)), what="re-based")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        text = app.screen.text()
        changed = [line for line in text.splitlines() if line.startswith(("+ ", "- "))]
        assert changed == ["+  connectionPool:", "+    tcp:", "+      maxConnections: 60"], text
        assert "consecutive5xxErrors: 9" in text and "Defaults" not in text and "interval" not in text
        await pilot.press("y")
        await wait_for(pilot, lambda: panel.last_applied is not None and not panel.dirty, what="applied")
        assert spec(sim, "destinationrules", "ratings")["trafficPolicy"] == {
            "connectionPool": {"tcp": {"maxConnections": 60}}, "outlierDetection": {"consecutive5xxErrors": 9}}


async def test_a_timeout_draft_rebased_keeps_the_other_writers_timeout(sim: SimCluster) -> None:
    edit_vs(sim, "catalog", lambda s: s["http"][0].update(timeout="2s"))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await wait_for(pilot, lambda: panel.loaded.routes.vs["http"][0].get("timeout") == "2s", what="2s seen")
        await pilot.press("r")
        assert isinstance(app.screen, FormScreen) and app.screen.values()["timeout"] == "2s"
        await fill(pilot, app, {"retries": "3"})
        assert panel.dirty
        edit_vs(sim, "catalog", lambda s: s["http"][0].update(timeout="5s"))
        await wait_for(pilot, lambda: panel.loaded.routes.vs["http"][0].get("timeout") == "5s", timeout=30,
                       what="the other writer's timeout on screen")
        await wait_for(pilot, lambda: panel.draft.vs["http"][0].get("timeout") == "5s", what="the draft re-based")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert "timeout: 2s" not in app.screen.text() and "attempts: 3" in app.screen.text()
        await pilot.press("y")
        await wait_for(pilot, lambda: panel.last_applied is not None and not panel.dirty, what="applied")
        rule = spec(sim, "virtualservices", "catalog")["http"][0]
        assert rule["timeout"] == "5s" and rule["retries"]["attempts"] == 3


async def test_a_host_without_breaker_shows_the_defaults_as_hints_and_says_it_fills_them(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        assert "trafficPolicy" not in panel.loaded.routes.dr
        await pilot.press("b")
        form = app.screen
        assert isinstance(form, FormScreen) and form.values()["max_connections"] == ""
        assert form.query_one("#field-max_connections").placeholder == "default 100"
        await fill(pilot, app, {"consecutive_errors": "3"})
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        text = app.screen.text()
        assert "Defaults for values you did not give" in text and "+    interval: 10s" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: panel.last_applied is not None and not panel.dirty, what="applied")
        # the breaker now exists: its form shows it, and an edit of one field adds nothing else
        await wait_for(pilot, lambda: panel.loaded.view.breaker is not None, what="the breaker loaded")
        await pilot.press("b")
        await fill(pilot, app, {"interval": ""})  # remove the field
        await apply(pilot, app, panel)
        await wait_for(pilot, lambda: "interval" not in outlier_of(panel.loaded.routes), what="interval removed")
        await pilot.press("b")
        assert isinstance(app.screen, FormScreen) and app.screen.values()["interval"] == ""
        await fill(pilot, app, {"max_connections": "55"})
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert "interval" not in app.screen.text() and "+      maxConnections: 55" in app.screen.text()
