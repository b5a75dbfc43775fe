"""Tours teach what they say: each step's hint, followed key by key (no show-me), puts the step's
lesson on screen, and the step then completes by its own condition.

For every step the test checks that the keys and queries it types are the ones the hint names
(so hint and test cannot drift apart), presses them, waits for the lesson to be visible in
what the terminal shows, and waits for the tour to move on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from textual.widgets import Select

from meshtui.sim import SimCluster
from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.form import FormScreen
from tests.ui.helpers import make_app, screen_text, wait_for

Check = Callable[[str], bool]


@dataclass
class Step:
    id: str
    names: list[str]
    """What the hint must say (keys and queries exactly as the test uses them)."""
    keys: list[str | tuple[str, str]]
    """Keys to press; ("type", text) types text; ("wait", what) waits for a named condition."""
    lesson: Check
    """True once the screen shows what the step teaches."""
    what: str
    extra: dict[str, object] = field(default_factory=dict)


def has(*needles: str) -> Check:
    return lambda screen: all(n in screen for n in needles)


def rule_weight(subset: str, weight: int) -> Check:
    return lambda screen: re.search(rf"{subset}\s+[█░]+\s+{weight}%", screen) is not None


APPLY = ["a", ("wait", "confirm"), "y", ("wait", "applied")]


def KIND(*moves: str) -> list[str | tuple[str, str]]:  # noqa: N802 - reads like the key list it is
    """Pick a Select's option from the top or the bottom (Home/End): right whatever the form prefilled (the fault
    form prefills the current fault's kind; ↓ from there could wrap around to the top)."""
    return ["enter", ("wait", "options"), *moves, "enter"]

TOURS: dict[str, list[Step]] = {
    "first-look": [
        Step("overview", ["Press 1"], ["1"], has("2/2", "pods", "not ready"), "pods with their sidecars, health line"),
        Step("pick-a-pod", ["/ and type ratings", "Enter", "→ scrolls right to VERSION"],
             ["slash", ("type", "ratings"), "enter", ("scroll", "VERSION")],
             has("ratings-v1-", "ratings-v2-", "VERSION"), "ratings pods and their VERSION"),
        Step("logs", ["l on the selected pod"], ["l"], lambda s: re.search(r"ratings-v\d-\S+", s) is not None
             and "GET /api/ratings" in s, "log lines of the ratings pod"),
        Step("usage", ["Press 3"], ["3"], has("HOST", "shop/ratings-"), "host and pod usage"),
    ],
    "canary": [
        Step("traffic", ["Press 4", "catalog is selected"], ["4", ("wait", "routes")], has("shop/catalog", "Observed"),
             "catalog's rules and the observed split"),
        Step("ten", ["target (v cycles it) starts on v2", "→ adds 10 %", "a shows the diff", "y applies"],
             ["right", *APPLY], rule_weight("v2", 10), "v2 at 10 %"),
        Step("fifty", ["H sets 50/50", "a and y"], ["H", *APPLY], rule_weight("v2", 50), "v2 at 50 %"),
        Step("all-in", ["→ five times", "a and y"], ["right"] * 5 + APPLY, rule_weight("v2", 100), "v2 at 100 %"),
        Step("roll-back", ["S puts everything back on v1", "a and y"], ["S", *APPLY], rule_weight("v1", 100),
             "v1 at 100 %"),
    ],
    "resilience": [
        Step("delay", ["4, ↓ to ratings",
                       "f: kind delay (Enter Home ↓ Enter), Tab, value 2s, Tab, percent 100, Enter", "a and y"],
             ["4", ("wait", "routes"), ("host", "ratings"), "f", ("wait", "form"), *KIND("home", "down"), "tab",
              ("clear", ""), ("type", "2s"), "tab", ("clear", ""), ("type", "100"), "enter", ("wait", "submitted"),
              *APPLY],
             has("delay 2s"), "a 2 s delay on ratings' rule"),
        Step("abort", ["f again: kind abort (Enter Home Enter), Tab, value 503, Tab, percent 50, Enter", "a and y"],
             ["f", ("wait", "form"), *KIND("home"), "tab", ("clear", ""), ("type", "503"), "tab", ("clear", ""),
              ("type", "50"), "enter", ("wait", "submitted"), *APPLY], has("abort 503"),
             "503 aborts on half the requests"),
        Step("see-it", ["2, e, ctrl+u, type: catalog -c istio-proxy status=5xx, Enter"],
             ["2", "e", "ctrl+u", ("type", "catalog -c istio-proxy status=5xx"), "enter"],
             lambda s: re.search(r"catalog-v\d-\S+.*503", s) is not None and "ratings" in s,
             "503s to ratings in catalog's sidecar logs"),
        Step("breaker", ["4 (ratings is still selected), b, Tab, Enter keeps the defaults", "a and y"],
             ["4", ("wait", "routes"), "b", ("wait", "form"), "tab", "enter", ("wait", "submitted"), *APPLY],
             has("circuit breaker:"),
             "the circuit breaker on ratings"),
        Step("clean-up", ["f, kind none (Enter End Enter), Tab, Enter", "a and y"],
             ["f", ("wait", "form"), *KIND("end"), "tab", "enter", ("wait", "submitted"), *APPLY],
             lambda s: "shop/ratings" in s and "abort" not in s and "delay" not in s, "no fault left"),
    ],
    "from-the-seed": [
        Step("dockerfile-and-registry", ["5, then p until [seed-demo]"], ["5", ("profile", "seed-demo")],
             has("meshtui up -p seed-demo` runs these", "registry", "build", "images"),
             "the registry, build and push steps of seed-demo's plan"),
        Step("deploy", ["1, / and type orders, Enter"], ["1", "slash", ("type", "orders"), "enter"],
             has("orders-v1-", "2/2"), "the orders pod with its sidecar"),
        Step("healthz", ["\"ingress 200\""], [], has("ingress 200"), "the ingress probe's answer"),
        Step("route", ["4: catalog is selected"], ["4", ("wait", "routes")], has("shop/catalog", "OBSERVED"),
             "configured and observed split"),
        Step("monitor", ["Press 3"], ["3"], has("HOST", "Pods"), "usage from host to pods"),
    ],
}


async def follow(pilot, app, step: Step) -> None:  # type: ignore[no-untyped-def]
    traffic, setup = app.panel("traffic"), app.panel("setup")
    for key in step.keys:
        if isinstance(key, str):
            await pilot.press(key)
            continue
        kind, value = key
        if kind == "type":
            await pilot.press(*value)
        elif kind == "clear":
            await pilot.press("end", "ctrl+u")
        elif kind == "host":  # ↓ in the Hosts list until the host is selected
            for _ in range(10):
                if traffic.host == value:
                    break
                await pilot.press("down")
            await wait_for(pilot, lambda v=value: traffic.draft is not None and traffic.draft.host == v, timeout=30,
                           what=f"{value}'s routes")
        elif kind == "scroll":  # → until the column is on screen
            for _ in range(12):
                if value in screen_text(app):
                    break
                await pilot.press("right")
        elif kind == "profile":
            while setup.profile != value:
                await pilot.press("p")
            await wait_for(pilot, lambda v=value: setup.plan_profile == v, timeout=30, what="the plan")
        elif value == "routes":
            await wait_for(pilot, lambda: traffic.draft is not None, timeout=30, what="routes loaded")
        elif value == "form":
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what=f"{step.id}: the form")
        elif value == "options":  # the Select's list is open, so Home/End/arrows go to it
            await wait_for(pilot, lambda: isinstance(select := app.screen.focused and app.screen.focused.parent,
                                                     Select) and select.expanded, what=f"{step.id}: the options open")
        elif value == "submitted":  # a value the form refuses keeps it open: say which, not "no diff" 30 s later
            try:
                await wait_for(pilot, lambda: not isinstance(app.screen, FormScreen), timeout=15)
            except AssertionError:
                raise AssertionError(f"{step.id}: the form refused the input:\n{screen_text(app)}") from None
        elif value == "confirm":
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=30, what=f"{step.id}: the diff")
        elif value == "applied":
            await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen) and traffic.last_applied
                           is not None and not traffic.dirty, timeout=30, what=f"{step.id}: the change applied; {app.screen} {traffic.last_applied} {traffic.dirty}")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", list(TOURS))
async def test_each_hint_shows_its_lesson(name: str, sim_factory) -> None:  # type: ignore[no-untyped-def]
    sim: SimCluster = sim_factory(rate=30.0)
    app = make_app(str(sim.kubeconfig), tour=name)
    async with app.run_test(size=(170, 50)) as pilot:
        await wait_for(pilot, lambda: app.tour_run is not None, timeout=30, what="tour started")
        await wait_for(pilot, lambda: len(app.panel("overview").pods) > 10, timeout=30, what="pods")
        run = app.tour_run
        assert [s.id for s in run.loaded.tour.steps] == [s.id for s in TOURS[name]]
        steps = run.loaded.tour.steps
        for index, step in enumerate(TOURS[name]):
            assert run.finished or run.index >= index
            hint = steps[index].hint
            for needle in step.names:
                assert needle in hint, f"{name}/{step.id}: the hint {hint!r} does not say {needle!r}"
            await follow(pilot, app, step)
            try:
                await wait_for(pilot, lambda s=step: s.lesson(screen_text(app)), timeout=45, what="")
            except AssertionError:
                raise AssertionError(f"{name}/{step.id}: never saw {step.what}; the screen:\n{screen_text(app)}")\
                    from None
            await wait_for(pilot, lambda i=index: run.finished or run.index > i, timeout=30,
                           what=f"{name}/{step.id} to complete by its condition")
        assert run.finished
