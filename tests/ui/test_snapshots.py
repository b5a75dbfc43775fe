"""A few SVG snapshots of the main screens at a pinned size, from a fixed inventory and clock.

Each waits for the state it pictures (a condition), never for a fixed time.
"""

from __future__ import annotations

import pytest

from meshtui.config.settings import UserSettings
from meshtui.ui.app import MeshApp
from tests.fakes.session import FakeWiring, FrozenTime

SIZE = (140, 36)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    import meshtui.domain.workloads as workloads
    import meshtui.ui.panels.overview as overview
    import meshtui.ui.panels.resources as resources

    monkeypatch.setattr(overview, "time", FrozenTime)
    monkeypatch.setattr(workloads, "time", FrozenTime)
    monkeypatch.setattr(resources, "time", FrozenTime)


def app() -> MeshApp:
    return MeshApp(FakeWiring(), UserSettings())


async def until(pilot, condition) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.helpers import wait_for

    await wait_for(pilot, condition, timeout=30)
    await pilot.pause()


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Connected, the Overview's rows (pods, nodes, events) all drawn, the header (with the guard's reason laid
    out) and the ingress line drawn."""
    app = pilot.app

    def drawn() -> bool:
        pods = app.panel("overview").pods
        health = str(app.query_one("#health").render())
        return (app.session is not None and len(pods) > 5 and f"({len(pods)} shown)" in health
                and "ingress" in health and app.query_one("#pods").row_count == len(pods)
                and "meshtui-sim" in str(app.query_one("#where").render())
                and app.query_one("#why").size.width > 0
                # the nodes and the warning events come by their own watches: a busy machine shows them later
                and app.query_one("#nodes").row_count > 0 and "0/0 nodes" not in health
                and app.query_one("#events").row_count > 0 and " 0 warnings" not in health)

    await until(pilot, drawn)


def test_overview(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=SIZE, run_before=settle)


def test_logs(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("2")
        await until(pilot, lambda: len(pilot.app.panel("logs").view.lines) > 0)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_setup(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("5")
        setup = pilot.app.panel("setup")
        await until(pilot, lambda: bool(setup.checks) and setup.plan_profile is not None)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_help(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        from meshtui.ui.screens.help import HelpScreen

        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_resources(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("3")
        await until(pilot, lambda: pilot.app.panel("resources").snapshot is not None)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_traffic(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("4")
        traffic = pilot.app.panel("traffic")
        await until(pilot, lambda: traffic.draft is not None and traffic.observer is not None)
        traffic._observe()
        await until(pilot, lambda: traffic.observation is not None)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)
