"""The Traffic panel as a new user meets it: dialogs that always show their question and buttons, nothing left on
screen from another namespace, keys that do what the target says, and no change or loss without a question
(review findings 3, 7, 9, 10, 11, 12, 18, 19, 20, 22)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from meshtui.domain import routes as R
from meshtui.ui.panels.traffic_forms import REMOVE
from meshtui.ui.panels.traffic_render import observed_rows
from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.form import FormScreen
from meshtui.ui.widgets.footer import KeyBar
from meshtui.ui.widgets.tour_drawer import TourDrawer
from tests.conftest import SimCluster, run_cli
from tests.ui.helpers import make_app, notifications, wait_for
from tests.ui.test_traffic_panel import apply, edit_vs, fill, spec, text_of, traffic


def visible(app, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """The widget is laid out entirely inside the screen (not cut off at the bottom or the right)."""
    region = app.screen.query_one(selector).region
    return region.height > 0 and region.bottom <= app.size.height and region.right <= app.size.width


async def test_a_long_diff_scrolls_while_the_question_and_buttons_stay(sim: SimCluster) -> None:  # finding 9
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("C")
        await apply(pilot, app, panel)

        def many_matches(s: dict) -> None:
            s["http"][:0] = [{"name": f"m{i}", "match": [{"headers": {"x-user": {"exact": f"u{i}"}}}],
                              "route": [{"destination": {"host": "catalog", "subset": "v3"}}]} for i in range(40)]
        edit_vs(sim, "catalog", many_matches)
        await wait_for(pilot, lambda: len(panel.loaded.routes.vs["http"]) == 41, what="the edit seen")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the refusal")
        assert len(app.screen.text().splitlines()) > 200  # far longer than the screen
        for selector in ("#question", "#ask", "#yes", "#no"):
            assert visible(app, selector), selector
        assert "Undo anyway and lose that change?" in text_of(app.screen, "#ask")
        for _ in range(80):
            await pilot.press("pagedown")
        assert visible(app, "#ask") and visible(app, "#yes")
        dialog = app.screen.query_one("#dialog")
        assert dialog.scroll_offset.y > 0 and dialog.scroll_offset.y == dialog.max_scroll_y  # reached the end
        await pilot.press("n")
        assert len(spec(sim, "virtualservices", "catalog")["http"]) == 41  # nothing discarded


async def test_a_namespace_switch_leaves_nothing_of_the_previous_host(sim: SimCluster) -> None:  # finding 10
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("n")  # shop -> default (no routable hosts)
        await wait_for(pilot, lambda: panel.namespace == "default" and "no routable hosts" in text_of(
            panel, "#traffic-rules"), what="the default namespace shown")
        assert "catalog" not in text_of(panel, "#traffic-title") and "subsets" not in text_of(panel, "#traffic-title")
        assert panel.query_one("#observed").row_count == 0 and panel.query_one("#hosts").row_count == 0


async def test_keys_follow_the_target_and_relative_weights(sim: SimCluster) -> None:  # findings 3 and 11
    edit_vs(sim, "ratings", lambda s: s["http"][0].update(route=[
        {"destination": {"host": "ratings", "subset": "v1"}, "weight": 0},
        {"destination": {"host": "ratings", "subset": "v2"}, "weight": 5}]))
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("v")  # target v3
        assert panel.target == "v3"
        await pilot.press("C")
        assert panel.draft.weights() == {"v1": 90, "v3": 10}
        await pilot.press("d", "H")
        assert panel.draft.weights() == {"v1": 50, "v3": 50}
        await pilot.press("d")
        panel.select_host("ratings")
        await wait_for(pilot, lambda: panel.loaded is not None and panel.loaded.routes.host == "ratings",
                       what="ratings")
        while panel.target != "v1":
            await pilot.press("v")
        await pilot.press("right")
        assert panel.draft.weights() == {"v1": 10, "v2": 90}  # ten points of traffic, not everything
        assert "10%  cluster 0%" in text_of(panel, "#traffic-rules")


async def test_header_matches_can_be_removed_and_empty_breaker_fields_say_what_they_mean(sim: SimCluster) -> None:
    assert run_cli("routes", "breaker", "catalog", "--max-connections", "5",
                   env={"KUBECONFIG": str(sim.kubeconfig)}, input="").returncode == 0  # findings 12 and 7
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("m")
        await fill(pilot, app, {"header": "end-user", "value": "tester", "subset": "v3"})
        await apply(pilot, app, panel)
        assert len(spec(sim, "virtualservices", "catalog")["http"]) == 2
        await pilot.press("m")
        await fill(pilot, app, {"header": "end-user", "value": "tester", "subset": REMOVE})
        assert len(panel.draft.vs["http"]) == 1
        await pilot.press("d", "b")
        form = app.screen
        assert isinstance(form, FormScreen) and form.values()["max_connections"] == "5"
        assert "An empty field is not set" in text_of(form, "#form-help")
        await fill(pilot, app, {"max_connections": ""})
        pool = panel.draft.dr["trafficPolicy"]["connectionPool"]
        assert "maxConnections" not in pool.get("tcp", {}) and pool["http"]["http1MaxPendingRequests"] == 100


async def test_footer_and_columns_fit(sim: SimCluster) -> None:  # finding 18
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await wait_for(pilot, lambda: any(s.key == "R" for s in app.query_one(KeyBar).spans), what="the keys")
        keys = {span.key: span for span in app.query_one(KeyBar).spans}
        for key in ("left", "right", "v", "a", "d", "u", "R", "n"):
            assert key in keys and keys[key].end <= 160 and keys[key].end > keys[key].start, key
        app.query_one(TourDrawer).display = True  # a tour's drawer takes 42 columns
        await pilot.pause()
        table = panel.query_one("#observed")
        await wait_for(pilot, lambda: table.size.width > 0 and table.virtual_size.width <= table.size.width,
                       what="every observed column on screen beside the drawer")
        await pilot.press("f")
        label = next(w for w in app.screen.query(Label) if "percent of requests" in str(w.render()))
        assert label.region.height >= 2 and label.region.right <= app.size.width  # wrapped, not cut
    small = make_app(str(sim.kubeconfig))
    async with small.run_test(size=(100, 30)) as pilot:
        panel = await traffic(pilot, small)
        table = panel.query_one("#observed")
        await wait_for(pilot, lambda: table.size.width > 0 and table.virtual_size.width <= table.size.width,
                       what="every observed column on screen at 100x30")


async def test_quit_with_a_draft_and_undo_ask_first(sim: SimCluster) -> None:  # findings 19 and 20
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("C")
        await apply(pilot, app, panel)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="undo asks")
        assert "-    weight: 90" in app.screen.text() and "(preset canary with v2)" in app.screen.text()
        await pilot.press("n")
        assert [r["weight"] for r in spec(sim, "virtualservices", "catalog")["http"][0]["route"]] == [90, 10]
        await pilot.press("f")
        await fill(pilot, app, {"kind": "abort", "value": "503", "percent": ""})
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)  # finding 17: the default is announced before applying
        assert "Defaults for values you did not give (they did not exist): percent of requests 100" in \
            app.screen.text()
        await pilot.press("n", "d", "H", "q")
        assert isinstance(app.screen, ConfirmScreen) and "unapplied draft for catalog" in app.screen.text()
        await pilot.press("n")
        assert app.is_running and panel.draft.weights() == {"v1": 50, "v2": 50}
        await pilot.press("q", "y")
        await wait_for(pilot, lambda: not app.is_running, what="quit after yes")


async def test_the_undo_depth_follows_the_history_file(sim: SimCluster, tmp_path: Path) -> None:  # finding 22
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("C")
        await apply(pilot, app, panel)
        await wait_for(pilot, lambda: "undo: 1" in text_of(panel, "#traffic-title"), what="undo: 1")
        (tmp_path / "xdg-state" / "meshtui" / "undo.json").write_text("{garbage")  # another process broke it
        await wait_for(pilot, lambda: "undo:" not in text_of(panel, "#traffic-title"), timeout=10,
                       what="the depth re-read")
        assert any("moved it to" in n for n in notifications(app))


def test_observed_cells_wait_for_the_first_reading() -> None:  # finding 22
    routes = R.Routes("catalog", "shop", {"hosts": ["catalog"], "http": [{"route": [
        {"destination": {"host": "catalog", "subset": "v1"}}]}]}, None, ["v1"])
    row = observed_rows(None, R.view(routes), None)["v1"]
    assert str(row[3]) == "…" and "0.0%" not in [str(cell) for cell in row]
