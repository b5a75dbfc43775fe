"""Keys typed in a burst land in the input that the first key opened (issue 17, point 2).

A terminal delivers what a fast typist (or a paste) types as one read: every key reaches
the app's queue before the first has been handled. `burst()` posts them the same way
(Pilot's `press` waits for the app between keys, which is what hid the bug). The text
holds letters bound elsewhere (`l` logs, `x` delete, `d` describe, `s` sort, `n`
namespace, `q` quit, digits switch panels): a key that reaches a binding instead of the
input shows up as a wrong panel, a dialog, or an app that quit.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input, TabbedContent

from meshtui.config.settings import UserSettings
from meshtui.ui.app import MeshApp
from meshtui.ui.screens.form import FormScreen
from tests.conftest import SimCluster, SimFactory
from tests.fakes.session import FakeWiring
from tests.ui.helpers import make_app, wait_for

TYPED = "catalog-l2x9ds1nq4w7plx5qzdl3s"  # 30 characters, most of them bound to something outside an input
KEY_NAMES = {"-": "minus", "/": "slash", " ": "space", ":": "colon", "^": "circumflex_accent"}


def burst(app: MeshApp, *keys: str, text: str = "") -> None:
    """Post keys and then the characters of `text` to the app at once, as a terminal read does."""
    for key in keys:
        app.post_message(events.Key(key, KEY_NAMES.get(key) and key or (key if len(key) == 1 else None)))
    for char in text:
        app.post_message(events.Key(KEY_NAMES.get(char, char), char))


def post(sim: SimCluster, path: str, body: dict) -> dict:
    """A load control of the simulated cluster, over HTTP as any client would."""
    request = urllib.request.Request(sim.url + path, data=json.dumps(body).encode(), method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=120).read())


def fake_app() -> MeshApp:
    return MeshApp(FakeWiring(), UserSettings())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: pilot.app.session is not None and len(pilot.app.panel("overview").pods) > 5,
                   what="connected")


def assert_still_on(app: MeshApp, panel: str) -> None:
    assert app.query_one(TabbedContent).active == panel
    assert app.is_running


async def test_slash_then_a_burst_fills_the_pod_filter() -> None:
    app = fake_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        box = app.query_one("#pod-filter", Input)
        burst(app, "slash", text=TYPED)
        await wait_for(pilot, lambda: box.value == TYPED, what=f"filter == {TYPED!r} (is {box.value!r})")
        assert_still_on(app, "overview")
        assert app.screen is app.default_screen
        # Enter then keys at once: Enter applies and gives the table the focus before `s` is routed.
        sort_before = app.panel("overview").view.sort_by
        burst(app, "enter", "s")
        await wait_for(pilot, lambda: app.panel("overview").view.sort_by != sort_before, what="s sorted the table")
        assert box.value == TYPED


async def test_a_slash_inside_a_typed_filter_is_text() -> None:
    app = fake_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        box = app.query_one("#pod-filter", Input)
        burst(app, "slash", text="re:^shop/cat")
        await wait_for(pilot, lambda: box.value == "re:^shop/cat", what=f"filter == 're:^shop/cat' (is {box.value!r})")
        await pilot.press("escape")
        await pilot.press("slash", "a", "slash", "b")
        assert box.value == "a/b"


async def test_ctrl_p_then_a_burst_fills_the_palette() -> None:
    app = fake_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        burst(app, "ctrl+p", text=TYPED)
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        palette = app.screen
        await wait_for(pilot, lambda: palette.query_one(Input).value == TYPED,
                       what=f"palette input == {TYPED!r} (is {palette.query_one(Input).value!r})")
        assert app.default_screen.query_one(TabbedContent).active == "overview"


async def test_e_on_logs_then_a_burst_fills_the_query() -> None:
    app = fake_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        box = app.query_one("#log-query", Input)
        before = box.value
        burst(app, "e", text=TYPED)
        await wait_for(pilot, lambda: box.value.endswith(TYPED) and len(box.value) == len(before) + len(TYPED),
                       what=f"query ends with {TYPED!r} (is {box.value!r})")
        assert_still_on(app, "logs")


async def test_enter_then_a_key_at_once_leaves_the_input_first() -> None:
    """Enter in the Logs query moves the focus through a message (Submitted); `1` typed with it is a panel key."""
    app = fake_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        box = app.query_one("#log-query", Input)
        burst(app, "e", "ctrl+u", text="-n shop")
        await wait_for(pilot, lambda: box.value == "-n shop", what=f"query typed (is {box.value!r})")
        burst(app, "enter", "1")
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "overview", what="1 switched panels")
        assert not box.value.endswith("1")


@pytest.mark.parametrize("key", ["m", "r"])  # forms whose first field is a text input
async def test_a_form_then_a_burst_fills_its_first_field(key: str) -> None:
    app = fake_app()
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await wait_for(pilot, lambda: app.panel("traffic").host is not None, what="a host on Traffic")
        burst(app, key, text=TYPED)
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        form = app.screen
        first = form.query(Input).first()
        await wait_for(pilot, lambda: form.focused is first, what="the first field focused")
        await wait_for(pilot, lambda: first.value.endswith(TYPED), what=f"first field ends with {TYPED!r} "
                       f"(is {first.value!r})")


async def test_bursts_land_while_20000_pods_and_a_log_flood_are_live(sim_factory: SimFactory) -> None:
    """The issue's case: 20,000 pods watched, 5,000 log lines a second followed, keys typed with no delay."""
    sim = sim_factory()
    post(sim, "/_sim/pods", {"namespace": "load", "pods": 20_000})
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        overview = app.panel("overview")
        await wait_for(pilot, lambda: len(overview.pods) >= 20_000, timeout=180, what="20,000 pods listed")
        flood = post(sim, "/_sim/flood", {"namespace": "shop", "selector": "app=catalog", "lines": 5_000 * 120,
                                          "rate": 5_000})
        assert len(flood["pods"]) == 3
        logs = app.panel("logs")
        await pilot.press("2")
        logs.open_query("-n shop -l app=catalog", None)
        await wait_for(pilot, lambda: len(logs.view.lines) > 2_000, timeout=60, what="the flood followed")
        await pilot.press("1")
        box = app.query_one("#pod-filter", Input)
        burst(app, "slash", text=TYPED)
        await wait_for(pilot, lambda: box.value == TYPED, timeout=60, what=f"filter == {TYPED!r} (is {box.value!r})")
        assert_still_on(app, "overview")
        assert app.screen is app.default_screen
        burst(app, "escape", "ctrl+p", text=TYPED)
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=60, what="palette")
        palette = app.screen
        await wait_for(pilot, lambda: palette.query_one(Input).value == TYPED, timeout=60,
                       what=f"palette input == {TYPED!r} (is {palette.query_one(Input).value!r})")
        burst(app, "escape", "2", "e", text=TYPED)
        query = app.query_one("#log-query", Input)
        await wait_for(pilot, lambda: query.value.endswith(TYPED), timeout=60,
                       what=f"log query ends with {TYPED!r} (is {query.value!r})")
        assert_still_on(app, "logs")
        assert sim.stats()["log_lines"]  # the flood is still being written
