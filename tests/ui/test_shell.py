"""The app shell: panels by key and mouse, help lists every binding, palette, themes, quit."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import DataTable, OptionList, TabbedContent

from meshtui.config.settings import UserSettings
from meshtui.ui.app import PANELS, MeshApp
from meshtui.ui.screens.help import HelpScreen
from tests.conftest import SimCluster
from tests.fakes.session import FakeWiring
from tests.ui.helpers import make_app, notifications, wait_for


async def connected(pilot, app) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.session is not None and len(app.panel("overview").pods) > 10, what="pods")


async def test_number_keys_and_clicks_switch_panels(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await connected(pilot, app)
        tabs = app.query_one(TabbedContent)
        for spec in PANELS:
            await pilot.press(spec.key)
            assert tabs.active == spec.id
        await pilot.click(f"#--content-tab-{PANELS[0].id}")
        assert tabs.active == PANELS[0].id


async def test_header_shows_context_provider_istio_and_badge(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: "1.28.6" in str(app.query_one("#where").render()), what="istio version")
        where = str(app.query_one("#where").render())
        assert "meshtui-sim" in where and "simulated" in where
        assert "SIMULATED" in str(app.query_one("#badge").render())


async def test_help_lists_every_binding_of_every_panel(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await connected(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        ids = {row[3] for row in rows}
        expected = {info.id for info in app.all_actions()}
        assert ids == expected and len(ids) > 25
        # keys as users type them, never Textual's key names
        keys = {row[3]: row[1] for row in rows}
        assert keys["app.help"] == "?" and keys["resources.faster"] == "+ / =" and keys["app.tour_show_me"] == "F6"
        assert keys["resources.drill"] == "Enter" and keys["overview.filter"] == "/"
        assert not any("_" in key or "," in key for key in keys.values()), keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_panel_actions(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await connected(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"Setup: Run doctor")

        def offered() -> bool:
            options = app.screen.query_one(OptionList)
            return options.highlighted is not None and "Setup: Run doctor" in str(
                options.get_option_at_index(options.highlighted).prompt)

        await wait_for(pilot, offered, what="the palette to offer Setup: Run doctor")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "setup", what="setup panel")


async def test_theme_toggle_and_keymap_from_settings(sim: SimCluster) -> None:
    settings = UserSettings(theme="meshtui-light", keymap={"app.help": "f1"})
    app = make_app(str(sim.kubeconfig), settings=settings)
    async with app.run_test(size=(160, 45)) as pilot:
        await connected(pilot, app)
        assert app.theme == "meshtui-light"
        await pilot.press("T")
        assert app.theme == "meshtui-dark"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_q_quits(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await connected(pilot, app)
        assert app.return_code is None  # still running
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code is not None, what="the app to exit")
    assert app.return_code == 0


async def test_q_at_once_quits_cleanly_while_the_other_panels_are_still_mounting(sim: SimCluster) -> None:
    """The panels not shown first are mounted just after the first frame: a `q` before that is a clean exit
    (a reviewer saw `MountError: Can't mount widget(s) before TabPane(id='logs') is mounted`, exit 1)."""
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("q")
        await wait_for(pilot, lambda: app.return_code is not None, what="the app to exit")
    assert app.return_code == 0


async def test_no_cluster_opens_setup_with_a_demo_offer(tmp_path: Path) -> None:
    app = make_app(str(tmp_path / "missing-kubeconfig"))
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "setup", what="setup")
        banner = str(app.query_one("#setup-banner").render())
        assert "No cluster reachable" in banner and "D" in banner
        assert "OFFLINE" in str(app.query_one("#badge").render())
        # every panel says there is no cluster instead of waiting for one
        for panel in ("overview", "logs", "resources", "traffic"):
            notice = app.query_one(f"#offline-{panel}")
            assert notice.display and "Not connected" in str(notice.render()) and "D starts" in str(notice.render())
        assert "connecting" not in str(app.query_one("#health").render())
        await wait_for(pilot, lambda: len(app.panel("setup").checks) > 5, what="doctor checks")
        await pilot.press("D")
        await wait_for(pilot, lambda: app.session is not None, timeout=20, what="demo session")
        await wait_for(pilot, lambda: len(app.panel("overview").pods) > 10, what="demo pods")
        assert app.query_one(TabbedContent).active == "overview"
        assert any("starting the simulated cluster" in n for n in notifications(app))
        assert not any(notice.display for notice in app.query(".offline-notice"))
        await pilot.press("5")
        await pilot.press("D")
        assert any("already on the demo cluster" in n for n in notifications(app))
    app.wiring.close()


async def test_heavy_imports_run_in_the_main_thread_before_the_worker_that_connects() -> None:
    """Threads importing the HTTP stack side by side see it half-built (issue 14.5): the app does every
    preload step in its own thread, after the first frame, and only then starts the connecting worker."""
    wiring = FakeWiring()
    app = MeshApp(wiring, UserSettings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.session is not None, what="connected")
    main = threading.main_thread().name
    assert wiring.events[:2] == [f"import a in {main}", f"import b in {main}"]
    assert wiring.events[2].startswith("session in ") and not wiring.events[2].endswith(f" in {main}")


def test_the_real_wiring_preloads_both_stacks_one_module_per_step() -> None:
    """What the app preloads: every module of the kubernetes and docker stacks not imported yet, once each."""
    from meshtui.adapters import imports
    from meshtui.wiring import Wiring

    steps = Wiring().preload_steps()
    assert len(steps) == len(imports.pending())
    for step in steps:
        step()
    assert imports.pending() == [] and Wiring().preload_steps() == []


async def test_a_panel_chosen_while_connecting_stays_shown_once_connected() -> None:
    """Pressing 3 while the app connects must not be undone by the connection landing on the Overview."""
    gate = threading.Event()

    class SlowWiring(FakeWiring):
        def session(self):  # type: ignore[no-untyped-def]
            gate.wait(30)
            return super().session()

    app = MeshApp(SlowWiring(), UserSettings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        assert app.query_one(TabbedContent).active == "resources"
        gate.set()
        await wait_for(pilot, lambda: app.session is not None, what="connected")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "resources"
