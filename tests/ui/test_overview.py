"""The Overview against the simulator: live rows, filter, sort, describe, delete, logs, guard."""

from __future__ import annotations

import time

from kubernetes import client
from textual.widgets import TabbedContent

from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.text_view import TextViewScreen
from meshtui.ui.widgets.virtual_table import VirtualTable
from tests.conftest import SimCluster, SimFactory, api_client
from tests.ui.helpers import make_app, notifications, wait_for


def server_pods(sim: SimCluster) -> dict[str, tuple[str, str]]:
    items = client.CoreV1Api(api_client(sim)).list_pod_for_all_namespaces().items
    out = {}
    for pod in items:
        statuses = pod.status.container_statuses or []
        ready = sum(1 for s in statuses if s.ready)
        out[f"{pod.metadata.namespace}/{pod.metadata.name}"] = (f"{ready}/{len(pod.spec.containers)}",
                                                                sum(s.restart_count for s in statuses))
    return out


def shown_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The pod keys in table order (what scrolling through the whole table would show)."""
    table = app.query_one("#pods", VirtualTable)
    return [table.source.key_at(i) for i in range(table.row_count)]


def table_pods(app) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    table = app.query_one("#pods", VirtualTable)
    out = {}
    for key in shown_keys(app):
        row = table.row_text(key)
        out[key] = (row[2], int(row[4].split()[0]))
    return out


async def ready_app(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.session is not None and len(app.panel("overview").pods) >= 25, what="pods")


async def test_rows_follow_the_cluster_by_key(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await wait_for(pilot, lambda: table_pods(app) == server_pods(sim), what="table == server")
        table = app.query_one("#pods", VirtualTable)
        assert table.select_key(next(k for k in shown_keys(app) if k.startswith("shop/storefront")))
        selected = table.cursor_key
        assert selected is not None and selected > "shop/catalog-v2"  # rows will arrive above the cursor
        client.AppsV1Api(api_client(sim)).patch_namespaced_deployment_scale("catalog-v2", "shop",
                                                                           {"spec": {"replicas": 3}})
        await wait_for(pilot, lambda: sum(1 for k in shown_keys(app) if "catalog-v2" in k) == 3, what="scaled rows")
        assert table.cursor_key == selected  # the cursor stays on its pod
        assert table.cursor_row == shown_keys(app).index(selected)
        await wait_for(pilot, lambda: table_pods(app) == server_pods(sim), what="table == server after scale")


async def test_filter_namespace_and_sort(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await pilot.press("slash", *"ratings", "enter")
        await wait_for(pilot, lambda: len(shown_keys(app)) == 2, what="filtered")
        assert all("ratings" in key for key in shown_keys(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_keys(app)) >= 25, what="unfiltered")
        overview = app.panel("overview")
        while overview.namespace != "istio-system":
            await pilot.press("n")
        await wait_for(pilot, lambda: all(k.startswith("istio-system/") for k in shown_keys(app)), what="namespace")
        await pilot.press("n")
        assert overview.namespace not in (None, "istio-system")
        while overview.namespace is not None:
            await pilot.press("n")
        await pilot.press("s")  # namespace -> name
        await pilot.pause(0.2)
        names = [k.split("/", 1)[1] for k in shown_keys(app)]
        assert names == sorted(names)
        await pilot.press("S")
        await pilot.pause(0.2)
        names = [k.split("/", 1)[1] for k in shown_keys(app)]
        assert names == sorted(names, reverse=True)


async def test_describe_shows_yaml(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await pilot.press("slash", *"storefront", "enter", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen), what="describe view")
        text = app.screen.query_one("#view-text").text
        assert "kind: Pod" in text and "storefront" in text and "managedFields" not in text
        await pilot.press("escape")


async def test_delete_pod_asks_then_the_replacement_appears(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await pilot.press("slash", *"orders", "enter")
        await wait_for(pilot, lambda: len(shown_keys(app)) == 1, what="orders row")
        victim = shown_keys(app)[0]
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert victim in server_pods(sim)
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: victim not in server_pods(sim), what="pod deleted")
        await wait_for(pilot, lambda: len(shown_keys(app)) == 1 and shown_keys(app)[0] != victim,
                       what="replacement row")


async def test_l_opens_the_pods_logs(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await pilot.press("slash", *"ratings-v1", "enter", "l")
        assert app.query_one(TabbedContent).active == "logs"
        logs = app.panel("logs")
        await wait_for(pilot, lambda: len(logs.view.lines) > 0, what="log lines")
        assert {line.pod for line in logs.view.lines} == {table_key.split("/")[1] for table_key in shown_keys(app)}


async def test_guard_refuses_writes_on_a_remote_context(remote: str, sim: SimCluster) -> None:
    app = make_app(remote)
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await wait_for(pilot, lambda: "REMOTE" in str(app.query_one("#badge").render()), what="REMOTE badge")
        before = server_pods(sim)
        await pilot.press("x")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("refused" in n and "--allow-remote" in n for n in notifications(app))
        assert server_pods(sim).keys() == before.keys()


async def test_allow_remote_permits_the_write(remote: str, sim: SimCluster) -> None:
    app = make_app(remote, allow_remote=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        await pilot.press("slash", *"orders", "enter")
        await wait_for(pilot, lambda: len(shown_keys(app)) == 1, what="orders row")
        victim = shown_keys(app)[0]
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: victim not in server_pods(sim), what="deleted through the guard")


async def test_read_only_hides_writes(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig), read_only=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        overview = app.panel("overview")
        assert overview.check_action("delete_pod", ()) is False
        footer_keys = [b.action for _, b, enabled, _ in app.screen.active_bindings.values() if enabled]
        assert "delete_pod" not in footer_keys
        before = server_pods(sim)
        await pilot.press("x")
        assert not isinstance(app.screen, ConfirmScreen)
        assert server_pods(sim).keys() == before.keys()
        assert "read-only" in str(app.query_one("#badge").render())


def scale(sim: SimCluster, name: str, replicas: int) -> None:
    """Change the cluster from inside the sim (the API itself is failing on purpose)."""
    def change() -> None:
        deployments = sim.state.type("deployments")
        sim.state.store.mutate(deployments, "shop", name, lambda o: o["spec"].__setitem__("replicas", replicas))
    sim.call(change)


async def test_dropped_watches_and_410_leave_the_table_equal_to_the_server(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        overview = app.panel("overview")
        feed = overview.feeds["pods"]
        sim.set_faults(drop_watches_every=0.5)
        apps = client.AppsV1Api(api_client(sim))
        for replicas in (3, 1, 2):
            apps.patch_namespaced_deployment_scale("ratings-v1", "shop", {"spec": {"replicas": replicas}})
            time.sleep(0.4)
        await wait_for(pilot, lambda: table_pods(app) == server_pods(sim), timeout=20, what="converged (drops)")
        assert feed.reconnects > 0
        # Now the API fails while the cluster changes and its history is compacted away:
        sim.set_faults(api_error_rate=1.0, drop_watches_every=0.3)
        await wait_for(pilot, lambda: feed.state.value == "reconnecting", what="reconnecting state")
        await wait_for(pilot, lambda: "reconnecting" in str(app.query_one("#health").render()), what="shown")
        scale(sim, "catalog-v3", 2)
        scale(sim, "ratings-v2", 0)
        time.sleep(1.0)
        sim.compact()
        relists = feed.relists
        sim.set_faults(api_error_rate=0, drop_watches_every=0)
        await wait_for(pilot, lambda: feed.relists > relists, timeout=15, what="a relist after 410")
        await wait_for(pilot, lambda: table_pods(app) == server_pods(sim), timeout=20, what="converged (410)")
        await wait_for(pilot, lambda: "● live" in str(app.query_one("#health").render()), timeout=15,
                       what="all feeds live again")


async def test_ages_move_on_for_the_rows_on_screen(sim: SimCluster, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: len(app.panel("overview").pods) > 10, what="pods")
        panel = app.panel("overview")
        table = app.query_one("#pods", VirtualTable)
        await wait_for(pilot, lambda: bool(table.visible_keys()), what="rows on screen")
        key = table.visible_keys()[0]
        before = table.row_text(key)[5]
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 7200)
        panel._tick()
        await wait_for(pilot, lambda: table.row_text(key)[5] != before, what="age moved on")
        assert table.row_text(key)[5] == "120m"  # kubectl shows minutes up to 3 h


HOSTILE = "mount failed [/var/lib/kubelet/pods] [b]not bold[/b] \x1b]0;pwned\x07 \u202eevil"


async def test_hostile_event_and_describe_text_shows_as_written(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    pod_name = next(p.metadata.name for p in core.list_namespaced_pod("shop").items if "orders" in p.metadata.name)
    core.create_namespaced_event("shop", {
        "metadata": {"name": "hostile.1"}, "type": "Warning", "reason": "FailedMount[/]",
        "involvedObject": {"kind": "Pod", "name": pod_name, "namespace": "shop"}, "message": HOSTILE,
        "lastTimestamp": "2026-11-24T10:03:00Z"})
    core.patch_namespaced_pod(pod_name, "shop", {"metadata": {"annotations": {"note": HOSTILE}}})
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        events = app.query_one("#events", VirtualTable)
        await wait_for(pilot, lambda: "shop/hostile.1" in app.panel("overview").events, what="the hostile event")
        await wait_for(pilot, lambda: events.row_count > 0, what="event rows")
        seen, reason, _, message = events.row_text("shop/hostile.1")
        assert reason == "FailedMount[/]"
        assert message.startswith("mount failed [/var/lib/kubelet/pods] [b]not bold[/b] ␛]0;pwned␇")
        assert "\x1b" not in message and "\u202e" not in message
        screen = app.export_screenshot()
        assert "mount failed [/var/lib/kubelet/pods]" in screen.replace("&#160;", " ")
        assert "\x1b]0;" not in screen
        await pilot.press("slash", *"orders", "enter", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen), what="describe view")
        text = app.screen.query_one("#view-text").text
        assert "mount failed [/var/lib/kubelet/pods] [b]not bold[/b]" in text  # YAML escapes the ESC itself
        assert "\x1b" not in text and "\u202e" not in text
        await pilot.press("escape")
        assert app.is_running


async def test_the_text_view_makes_external_text_inert() -> None:
    from textual.app import App

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(TextViewScreen("pod [b]x[/b] \x1b]0;t\x07", "line [/var]\n\x1b[31mred\u202e\tend"))

    app = Host()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen), what="the view")
        text = app.screen.query_one("#view-text").text
        assert text.startswith("line [/var]\n␛[31mred\\u202e ") and text.endswith(" end")
        assert "\x1b" not in text and "\u202e" not in text and "\t" not in text
        title = str(app.screen.query_one("#view-title").render())
        assert title == "pod [b]x[/b] ␛]0;t␇"


async def test_an_unexpected_worker_error_is_shown_in_the_panel() -> None:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from tests.fakes.session import FakeCluster, FakeWiring

    class Broken(FakeCluster):
        def describe(self, namespace: str, name: str) -> str:
            raise KeyError("boom")

    app = MeshApp(FakeWiring(), UserSettings())
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.session is not None and len(app.panel("overview").pods) > 5, what="pods")
        app.session.cluster = Broken()
        await pilot.press("d")
        health = app.query_one("#health")
        await wait_for(pilot, lambda: "describe: KeyError: 'boom'" in str(health.render()), what="failure in place")
        assert "✘" in str(health.render())
        assert any("KeyError" in n for n in notifications(app))
        assert not isinstance(app.screen, TextViewScreen)


async def test_theme_switch_recolours_the_tables_and_health_line() -> None:
    from meshtui.config.settings import UserSettings
    from meshtui.ui.app import MeshApp
    from tests.fakes.session import FakeWiring

    app = MeshApp(FakeWiring(), UserSettings(theme="meshtui-light"))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: len(app.panel("overview").pods) > 5, what="pods")
        assert app.theme == "meshtui-light" and app.has_class("-light-mode")
        table = app.query_one("#pods", VirtualTable)

        def colours() -> set[str]:
            return {str(seg.style.bgcolor) + str(seg.style.color) for y in range(4) for seg in table.render_line(y)}

        light = colours()
        await pilot.press("T")
        await wait_for(pilot, lambda: app.theme == "meshtui-dark", what="dark theme")
        await wait_for(pilot, lambda: colours() != light and colours().isdisjoint(light), what="table recoloured")
        assert app.has_class("-dark-mode")


async def test_r_relists_and_keeps_the_rows_meanwhile(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await ready_app(pilot, app)
        overview = app.panel("overview")
        before = overview.feeds["pods"]
        shown = len(shown_keys(app))
        await pilot.press("r")
        assert overview.feeds["pods"] is not before and len(shown_keys(app)) == shown
        assert any("relisting" in n for n in notifications(app))
        await wait_for(pilot, lambda: overview.feeds["pods"].relists == 1 and table_pods(app) == server_pods(sim),
                       what="relisted, table == server")


def test_every_overview_key_has_an_action() -> None:
    from textual.binding import Binding

    from meshtui.ui.panels.overview import OverviewPanel
    from meshtui.ui.panels.overview_actions import FilterInput

    for cls in (OverviewPanel, FilterInput):
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            assert callable(getattr(cls, f"action_{binding.action}", None)), f"{cls.__name__}: {binding.key} is dead"


async def test_offline_the_overview_says_so_instead_of_connecting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(str(tmp_path / "missing-kubeconfig"))
    async with app.run_test(size=(160, 45)) as pilot:
        health = app.query_one("#health")
        await wait_for(pilot, lambda: "not connected" in str(health.render()), what="offline on the health line")
        text = str(health.render())
        assert "connecting…" not in text and "◌" not in text and "0 pods" not in text
        assert app.query_one("#pods", VirtualTable).row_count == 0


async def test_a_cluster_that_goes_away_empties_the_overview_and_says_why(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = app.panel("overview")
        await wait_for(pilot, lambda: len(panel.pods) > 10, what="pods")
        app.disconnect("the cluster was torn down")
        health = app.query_one("#health")
        await wait_for(pilot, lambda: "not connected: the cluster was torn down" in str(health.render()),
                       what="the reason on the health line")
        assert app.query_one("#pods", VirtualTable).row_count == 0 and not panel.feeds
