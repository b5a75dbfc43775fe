"""A few SVG snapshots of the main screens at a pinned size, from a fixed inventory and clock."""

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


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        await pilot.pause(0.05)


def test_overview(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=SIZE, run_before=settle)


def test_logs(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_setup(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_help(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_resources(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)


def test_traffic(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        pilot.app.panel("traffic")._observe()
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=before)
