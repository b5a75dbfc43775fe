"""Routes against the simulator: the traffic follows, conflicts are never clobbered, undo discards nobody's change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.domain import routes as R
from meshtui.domain.routes import edits as E
from meshtui.services.guard import Guard
from meshtui.services.routes import RouteConflict, RouteService
from tests.conftest import SimCluster, SimFactory, api_client, run_cli

GROUP, VERSION = "networking.istio.io", "v1"


def env(sim: SimCluster) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig)}


def api(sim: SimCluster) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client(sim))


def vs_spec(sim: SimCluster, name: str) -> dict:
    return api(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", name)["spec"]


def dr_spec(sim: SimCluster, name: str) -> dict:
    return api(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", name)["spec"]


def edit_vs(sim: SimCluster, name: str, change) -> None:  # type: ignore[no-untyped-def]
    """Another writer (as kubectl edit would): read, change, replace."""
    obj = api(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", name)
    change(obj["spec"])
    api(sim).replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", name, obj)


def service(sim: SimCluster) -> RouteService:
    kube = KubeClient.connect(str(sim.kubeconfig))
    return RouteService(kube, Guard.for_context(kube.context))


def observe(sim: SimCluster, host: str) -> dict:
    result = run_cli("routes", "observe", host, "--seconds", "600", "--json", env=env(sim))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_weights_change_the_observed_split(sim: SimCluster) -> None:
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "+    weight: 10" in result.stdout and "applied" in result.stderr
    sim.send(1000, path="/")
    observed = observe(sim, "catalog")
    shares = {s["subset"]: s["share"] for s in observed["subsets"]}
    assert observed["total"] == 1000 and observed["configured"] == {"v1": 90, "v2": 10}
    assert 85 <= shares["v1"] <= 95 and 5 <= shares["v2"] <= 15
    truth = sim.stats()["requests"]
    assert truth["catalog/v1"] + truth["catalog/v2"] == 1000


def test_abort_fault_fails_its_share_and_shows_in_observed_errors(sim: SimCluster) -> None:
    result = run_cli("routes", "fault", "ratings", "--abort", "503", "--percent", "50", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    sim.send(1000, path="/")
    observed = observe(sim, "ratings")
    errors = sum(s["errors"] for s in observed["subsets"])
    assert observed["total"] == 1000
    assert 450 <= errors <= 550


def test_a_concurrent_writer_gets_409_and_our_edits_are_replanned_on_top(sim: SimCluster) -> None:
    routes = service(sim)
    plan = routes.plan_edits(routes.load("catalog"), [E.parse_weights(["v1=70", "v2=30"])])
    edit_vs(sim, "catalog", lambda spec: spec["http"][0].update(timeout="9s"))
    with pytest.raises(RouteConflict) as info:
        routes.apply(plan)
    conflict = info.value
    assert "+  timeout: 9s" in conflict.their_change and not conflict.by_meshtui
    assert "(when read)" in conflict.their_change and "(after)" not in conflict.their_change  # their change, not ours
    assert vs_spec(sim, "catalog")["http"][0]["timeout"] == "9s"  # their change stands
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 100  # ours was not written
    assert conflict.replanned is not None
    changed = [line for line in conflict.replanned.diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed and not any("timeout" in line for line in changed)  # only ours is new
    routes.apply(conflict.replanned)
    spec = vs_spec(sim, "catalog")
    assert spec["http"][0]["timeout"] == "9s" and [r["weight"] for r in spec["http"][0]["route"]] == [70, 30]


def test_a_write_by_meshtui_itself_is_recognised_as_meshtuis(sim: SimCluster) -> None:
    panel, tour = service(sim), service(sim)  # two engines, as the panel and a tour's show-me in one TUI
    stale = panel.plan_edits(panel.load("catalog"), [E.Preset("half")])
    tour.apply(tour.plan(tour.load("catalog"), R.set_weights, {"v2": 100}))
    with pytest.raises(RouteConflict) as info:
        panel.apply(stale)
    assert info.value.by_meshtui and "meshtui itself" in info.value.message
    fresh = panel.plan_edits(panel.load("catalog"), [E.Preset("half")])
    assert panel.apply(fresh).written  # the next apply on fresh routes is not refused


def test_meshtuis_own_earlier_write_of_the_other_object_is_still_meshtuis(sim: SimCluster) -> None:
    """A tour writes catalog's breaker (the DestinationRule), then its weights (the VirtualService): both objects
    changed under the panel's stale plan, and both are meshtui's, though the newest history entry names only
    the VirtualService (a reviewer: `wrote()` looked at the newest entry alone)."""
    panel, tour = service(sim), service(sim)
    stale = panel.plan_edits(panel.load("catalog"), [E.Preset("half")])
    tour.apply(tour.plan(tour.load("catalog"), R.set_breaker, max_connections=50))
    tour.apply(tour.plan(tour.load("catalog"), R.set_weights, {"v2": 100}))
    with pytest.raises(RouteConflict) as info:
        panel.apply(stale)
    assert info.value.by_meshtui and "meshtui itself" in info.value.message


def test_cli_conflict_exits_1_and_yes_applies_on_top(sim: SimCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    original = RouteService.load
    calls: list[int] = []

    def load_then_race(self, host, namespace=None, *, history=False):  # type: ignore[no-untyped-def]
        loaded = original(self, host, namespace, history=history)
        if not calls:
            calls.append(1)
            edit_vs(sim, host, lambda spec: spec["http"][0].update(timeout="7s"))
        return loaded

    monkeypatch.setattr(RouteService, "load", load_then_race)
    from meshtui.cli.main import main

    monkeypatch.setenv("KUBECONFIG", str(sim.kubeconfig))
    assert main(["routes", "set", "catalog", "v1=60", "v2=40"]) == 1
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 100
    calls.clear()
    assert main(["routes", "set", "catalog", "v1=60", "v2=40", "--yes"]) == 0
    spec = vs_spec(sim, "catalog")
    assert spec["http"][0]["timeout"] == "7s" and [r["weight"] for r in spec["http"][0]["route"]] == [60, 40]


def test_undo_restores_the_exact_previous_spec_and_reset_the_original(sim: SimCluster) -> None:
    before = vs_spec(sim, "catalog")
    for args in (["set", "catalog", "v1=80", "v2=20"], ["match", "catalog", "--header", "end-user=tester", "--to", "v3"],
                 ["timeout", "catalog", "2s", "--retries", "2"]):
        assert run_cli("routes", *args, env=env(sim), input="").returncode == 0
    after_match = vs_spec(sim, "catalog")
    undo = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert undo.returncode == 0, undo.stderr
    assert "-  timeout: 2s" in undo.stdout  # the preview diff
    restored = vs_spec(sim, "catalog")
    assert "timeout" not in json.dumps(restored) and len(restored["http"]) == 2
    assert run_cli("routes", "undo", "catalog", env=env(sim), input="").returncode == 0
    assert run_cli("routes", "undo", "catalog", env=env(sim), input="").returncode == 0
    assert vs_spec(sim, "catalog") == before
    nothing = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert nothing.returncode == 1 and "nothing to undo" in nothing.stderr
    assert after_match != before
    assert run_cli("routes", "set", "catalog", "v1=50", "v3=50", env=env(sim), input="").returncode == 0
    refused = run_cli("routes", "reset", "catalog", env=env(sim), input="")
    assert refused.returncode == 2 and "--yes" in refused.stderr and vs_spec(sim, "catalog") != before
    assert run_cli("routes", "reset", "catalog", "--yes", env=env(sim)).returncode == 0
    assert vs_spec(sim, "catalog") == before
    obj = api(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog")
    assert R.ORIGINAL_ANNOTATION not in (obj["metadata"].get("annotations") or {})


def test_undo_never_discards_a_later_change_unless_forced(sim: SimCluster) -> None:
    assert run_cli("routes", "set", "catalog", "v1=80", "v2=20", env=env(sim), input="").returncode == 0

    def kubectl_edit(spec: dict) -> None:
        spec["http"][0]["timeout"] = "9s"
        spec["http"][0]["retries"] = {"attempts": 3, "perTryTimeout": "2s"}
    edit_vs(sim, "catalog", kubectl_edit)
    refused = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert refused.returncode == 1
    assert "changed after meshtui's last write" in refused.stderr and "+  timeout: 9s" in refused.stderr
    assert "--force" in refused.stderr
    spec = vs_spec(sim, "catalog")
    assert spec["http"][0]["timeout"] == "9s" and spec["http"][0]["retries"]["attempts"] == 3  # kept
    forced = run_cli("routes", "undo", "catalog", "--force", env=env(sim), input="")
    assert forced.returncode == 0, forced.stderr
    spec = vs_spec(sim, "catalog")
    assert "timeout" not in spec["http"][0] and spec["http"][0]["route"][0]["weight"] == 100


def test_undo_history_is_per_cluster_even_when_contexts_share_a_name(sim_factory: SimFactory) -> None:
    one, other = sim_factory(seed=42), sim_factory(seed=7)  # both contexts are named meshtui-sim
    assert run_cli("routes", "set", "catalog", "v1=80", "v2=20", env=env(one), input="").returncode == 0
    assert run_cli("routes", "set", "catalog", "v1=70", "v2=30", env=env(other), input="").returncode == 0
    assert run_cli("routes", "undo", "catalog", env=env(other), input="").returncode == 0
    assert vs_spec(other, "catalog")["http"][0]["route"][0]["weight"] == 100  # its own earlier weights
    elsewhere = run_cli("routes", "undo", "catalog", env=env(other), input="")
    assert elsewhere.returncode == 1 and "nothing to undo" in elsewhere.stderr
    assert [r["weight"] for r in vs_spec(one, "catalog")["http"][0]["route"]] == [80, 20]  # untouched
    assert run_cli("routes", "undo", "catalog", env=env(one), input="").returncode == 0


def test_a_twin_cluster_never_gets_the_others_undo(sim_factory: SimFactory) -> None:
    # Two simulated clusters started with the same seed hold the same objects and context name; their
    # kube-system UIDs differ (random, as on a real server), so the twin has nothing of the first's to undo.
    one, twin = sim_factory(seed=42), sim_factory(seed=42)
    assert run_cli("routes", "set", "catalog", "v1=80", "v2=20", env=env(one), input="").returncode == 0
    before = vs_spec(twin, "catalog")
    result = run_cli("routes", "undo", "catalog", env=env(twin), input="")
    assert result.returncode != 0 and "nothing to undo" in result.stderr, result.stderr
    assert vs_spec(twin, "catalog") == before


def test_even_clusters_that_share_an_identity_never_get_each_others_undo(sim_factory: SimFactory,
                                                                          tmp_path: Path) -> None:
    # Should two clusters ever share a history key (the fallback key is server + CA), undo still checks each
    # object against what meshtui wrote (its uid and spec) and refuses. The key is shared here by hand.
    one, twin = sim_factory(seed=42), sim_factory(seed=42)
    assert run_cli("routes", "set", "catalog", "v1=80", "v2=20", env=env(one), input="").returncode == 0
    history = tmp_path / "xdg-state" / "meshtui" / "undo.json"
    data = json.loads(history.read_text())
    (key, entries), = data["clusters"].items()
    twin_uid = client.CoreV1Api(api_client(twin)).read_namespace("kube-system").metadata.uid
    data["clusters"][f"uid:{twin_uid}"] = entries
    history.write_text(json.dumps(data))
    before = vs_spec(twin, "catalog")
    result = run_cli("routes", "undo", "catalog", env=env(twin), input="")
    assert result.returncode == 1 and "nothing was restored" in result.stderr, result.stderr
    assert "deleted and re-created since meshtui wrote it" in result.stderr
    assert vs_spec(twin, "catalog") == before


def test_an_unreadable_undo_history_is_moved_aside_and_said(sim: SimCluster, tmp_path: Path) -> None:
    history = tmp_path / "xdg-state" / "meshtui" / "undo.json"
    history.parent.mkdir(parents=True, exist_ok=True)
    history.write_text('{"schema_version": 2, "clusters": {"x": ')  # truncated
    undo = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert undo.returncode == 1 and "is not JSON" in undo.stderr and "moved it to" in undo.stderr
    assert len(list(history.parent.glob("undo.json.unreadable-*"))) == 1
    history.write_text("[1, 2]")
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", env=env(sim), input="")
    assert result.returncode == 0 and "undo history" in result.stderr  # applied, and told
    assert json.loads(history.read_text())["schema_version"] == 2


def test_missing_objects_are_created_labelled_and_cleaned_up(sim: SimCluster) -> None:
    result = run_cli("routes", "set", "storefront", "v1=100", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    for plural in ("virtualservices", "destinationrules"):
        obj = api(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", plural, "storefront")
        assert obj["metadata"]["labels"][R.MANAGED_LABEL] == R.MANAGED_VALUE
    listed = json.loads(run_cli("routes", "list", "--json", env=env(sim)).stdout)
    assert next(h for h in listed if h["host"] == "storefront")["managed"]
    dry = run_cli("routes", "cleanup", "--dry-run", env=env(sim), input="")
    assert dry.returncode == 0 and "would shop/storefront: delete virtualservices/storefront" in dry.stdout
    assert run_cli("routes", "cleanup", env=env(sim), input="").returncode == 2  # not a terminal: needs --yes
    cleanup = run_cli("routes", "cleanup", "--yes", env=env(sim))
    assert cleanup.returncode == 0 and "deleted virtualservices/storefront" in cleanup.stdout
    remaining = [o for plural in ("virtualservices", "destinationrules")
                 for o in api(sim).list_namespaced_custom_object(GROUP, VERSION, "shop", plural)["items"]
                 if (o["metadata"].get("labels") or {}).get(R.MANAGED_LABEL) == R.MANAGED_VALUE]
    assert remaining == []


def test_breaker_with_no_flags_is_safe_and_edits_are_partial(sim: SimCluster) -> None:
    baseline = sim.send(1000, path="/")
    result = run_cli("routes", "breaker", "catalog", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "defaults for values you did not give" in result.stderr and "max-connections 100" in result.stderr
    policy = dr_spec(sim, "catalog")["trafficPolicy"]
    assert policy["connectionPool"]["tcp"]["maxConnections"] == 100
    with_breaker = sim.send(1000, path="/")
    assert with_breaker.get(200, 0) >= baseline.get(200, 0) - 50  # catalog is not wrecked
    assert run_cli("routes", "breaker", "catalog", "--consecutive-errors", "3", env=env(sim), input="").returncode == 0
    after = dr_spec(sim, "catalog")["trafficPolicy"]
    assert after["outlierDetection"]["consecutive5xxErrors"] == 3
    after["outlierDetection"]["consecutive5xxErrors"] = policy["outlierDetection"]["consecutive5xxErrors"]
    assert after == policy  # only what was asked changed


def test_relative_weights_show_the_same_shares_everywhere(sim: SimCluster) -> None:
    def relative(spec: dict) -> None:
        spec["http"][0]["route"] = [{"destination": {"host": "catalog", "subset": "v1"}, "weight": 1},
                                    {"destination": {"host": "catalog", "subset": "v2"}, "weight": 3}]
    edit_vs(sim, "catalog", relative)
    shown = run_cli("routes", "show", "catalog", env=env(sim))
    assert shown.returncode == 0 and "v1 25%, v2 75%" in shown.stdout
    view = service(sim).load("catalog").view
    assert view.shares() == {"v1": 25.0, "v2": 75.0}


def test_the_safety_guard(sim: SimCluster, remote: str) -> None:
    refused = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "--kubeconfig", remote)
    assert refused.returncode == 3 and "--allow-remote" in refused.stderr
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 100
    read_only = run_cli("--read-only", "routes", "set", "catalog", "v1=90", "v2=10", env=env(sim))
    assert read_only.returncode == 3 and "read-only" in read_only.stderr
    allowed = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "--kubeconfig", remote, "--allow-remote", input="")
    assert allowed.returncode == 0, allowed.stderr
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 90
