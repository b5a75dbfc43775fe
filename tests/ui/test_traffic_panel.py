"""The Traffic panel end to end: every key, the diff-and-apply flow, conflicts, and CLI parity."""

from __future__ import annotations

from kubernetes import client

from meshtui.ui.screens.confirm import ConfirmScreen
from meshtui.ui.screens.form import FormScreen
from meshtui.ui.screens.text_view import TextViewScreen
from tests.conftest import SimCluster, SimFactory, api_client, run_cli
from tests.ui.helpers import make_app, notifications, wait_for

GROUP, VERSION = "networking.istio.io", "v1"


def spec(sim: SimCluster, plural: str, name: str) -> dict:
    return client.CustomObjectsApi(api_client(sim)).get_namespaced_custom_object(GROUP, VERSION, "shop", plural,
                                                                                 name)["spec"]


async def traffic(pilot, app, host: str = "catalog"):  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.session is not None, what="session")
    await pilot.press("4")
    panel = app.panel("traffic")
    await wait_for(pilot, lambda: panel.draft is not None and panel.draft.host == host, what=f"{host} routes")
    return panel


async def apply(pilot, app, panel) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("a")
    assert isinstance(app.screen, ConfirmScreen)
    await pilot.press("y")
    await wait_for(pilot, lambda: panel.last_applied is not None and not panel.dirty, what="applied")


async def fill(pilot, app, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input, Select

    screen = app.screen
    assert isinstance(screen, FormScreen)
    for name, value in values.items():
        widget = screen.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            widget.value = value
        else:
            assert isinstance(widget, Input)
            widget.value = value
    await pilot.pause()
    screen.query(Input).first().focus()
    await pilot.press("enter")


async def test_weights_presets_and_apply_with_diff(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        assert panel.target == "v2"
        await pilot.press("right", "right")
        assert panel.draft.weights() == {"v1": 80, "v2": 20} and panel.dirty
        await pilot.press("left")
        assert panel.draft.weights() == {"v1": 90, "v2": 10}
        await pilot.press("v")
        assert panel.target == "v3"
        await pilot.press("v", "v")
        for key, weights in (("C", {"v1": 90, "v2": 10}), ("H", {"v1": 50, "v2": 50}), ("S", {"v1": 100}),
                             ("B", {"v2": 100}), ("H", {"v1": 50, "v2": 50})):
            await pilot.press(key)
            assert panel.draft.weights() == weights, key
        await pilot.press("right")
        await pilot.press("F")
        assert panel.draft.weights() == {"v1": 60, "v2": 40}  # 40/60 flipped
        await pilot.press("d")
        await wait_for(pilot, lambda: not panel.dirty, what="discarded")
        await pilot.press("C")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        assert "+    weight: 10" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        assert spec(sim, "virtualservices", "catalog")["http"][0]["route"][0]["weight"] == 100
        await apply(pilot, app, panel)
        assert [r["weight"] for r in spec(sim, "virtualservices", "catalog")["http"][0]["route"]] == [90, 10]


async def test_forms_match_fault_mirror_timeout_breaker_undo_reset(sim: SimCluster) -> None:
    before_vs, before_dr = spec(sim, "virtualservices", "catalog"), spec(sim, "destinationrules", "catalog")
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("m")
        await fill(pilot, app, {"header": "end-user", "value": "tester", "subset": "v3"})
        await pilot.press("f")
        await fill(pilot, app, {"kind": "delay", "value": "2s", "percent": "10"})
        await pilot.press("M")
        await fill(pilot, app, {"subset": "v2", "percent": "25"})
        await pilot.press("r")
        await fill(pilot, app, {"timeout": "3s", "retries": "2", "per_try": "1s"})
        await pilot.press("b")
        await fill(pilot, app, {"enabled": "on", "connections": "5", "pending": "2", "errors": "3", "ejection": "15s"})
        rules = panel.draft.vs["http"]
        assert rules[0]["match"] == [{"headers": {"end-user": {"exact": "tester"}}}]
        assert rules[1]["fault"]["delay"]["fixedDelay"] == "2s" and rules[1]["mirror"]["subset"] == "v2"
        assert rules[1]["timeout"] == "3s" and panel.draft.dr["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"] == 3
        assert "ignores timeout and retries" in str(panel.query_one("#traffic-status").render())  # a warning
        await apply(pilot, app, panel)
        applied = spec(sim, "virtualservices", "catalog")
        assert applied["http"][1]["mirrorPercentage"] == {"value": 25.0}
        assert spec(sim, "destinationrules", "catalog")["trafficPolicy"]["connectionPool"]["tcp"]["maxConnections"] == 5
        await pilot.press("u")
        await wait_for(pilot, lambda: spec(sim, "virtualservices", "catalog") == before_vs, what="undone")
        assert spec(sim, "destinationrules", "catalog") == before_dr
        await pilot.press("S", "C")
        await apply(pilot, app, panel)
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: spec(sim, "virtualservices", "catalog") == before_vs, what="reset")


async def test_conflict_shows_their_change_and_replays_ours(sim: SimCluster) -> None:
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("right", "right")
        api = client.CustomObjectsApi(api_client(sim))
        theirs = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog")
        theirs["spec"]["http"][0]["timeout"] = "5s"
        api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog", theirs)
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen), what="conflict view")
        assert "+  timeout: 5s" in app.screen.query_one("#view-text").text
        await pilot.press("escape")
        await wait_for(pilot, lambda: panel.draft.vs["http"][0].get("timeout") == "5s", what="reloaded")
        assert panel.draft.weights() == {"v1": 80, "v2": 20}  # our edits, on top of theirs
        assert spec(sim, "virtualservices", "catalog")["http"][0]["route"][0]["weight"] == 100  # nothing clobbered
        await apply(pilot, app, panel)
        result = spec(sim, "virtualservices", "catalog")
        assert result["http"][0]["timeout"] == "5s" and [r["weight"] for r in result["http"][0]["route"]] == [80, 20]


async def test_observed_split_and_namespace_switch(sim: SimCluster) -> None:
    sim.set_rate(100)
    app = make_app(str(sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await wait_for(pilot, lambda: panel.observation is not None and panel.observation.total > 50, timeout=15,
                       what="observed traffic")
        assert panel.observation.subsets[0].subset == "v1"
        await pilot.press("n")
        await wait_for(pilot, lambda: panel.namespace != "shop", what="namespace switched")


async def test_guard_and_read_only_in_the_panel(sim: SimCluster, remote: str) -> None:
    app = make_app(remote)
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("C", "a")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("refused" in n for n in notifications(app))
    ro = make_app(str(sim.kubeconfig), read_only=True)
    async with ro.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, ro)
        assert panel.check_action("apply", ()) is False and panel.check_action("preset", ()) is False
        await pilot.press("C")
        assert not panel.dirty


async def test_cli_and_tui_write_identical_objects(sim_factory: SimFactory) -> None:
    cli_sim, tui_sim = sim_factory(seed=11), sim_factory(seed=11)
    for args in (["match", "catalog", "--header", "end-user=tester", "--to", "v3"],
                 ["set", "catalog", "v1=80", "v2=20"], ["fault", "catalog", "--abort", "503", "--percent", "50"]):
        assert run_cli("routes", *args, env={"KUBECONFIG": str(cli_sim.kubeconfig)}).returncode == 0
    app = make_app(str(tui_sim.kubeconfig))
    async with app.run_test(size=(160, 45)) as pilot:
        panel = await traffic(pilot, app)
        await pilot.press("m")
        await fill(pilot, app, {"header": "end-user", "value": "tester", "subset": "v3"})
        await apply(pilot, app, panel)
        await pilot.press("right", "right")
        await apply(pilot, app, panel)
        await pilot.press("f")
        await fill(pilot, app, {"kind": "abort", "value": "503", "percent": "50"})
        await apply(pilot, app, panel)
    assert spec(tui_sim, "virtualservices", "catalog") == spec(cli_sim, "virtualservices", "catalog")
    assert spec(tui_sim, "destinationrules", "catalog") == spec(cli_sim, "destinationrules", "catalog")
