"""Routes against the simulator: the traffic follows, conflicts are never clobbered, undo is exact."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from meshtui.adapters.kube import KubeClient
from meshtui.domain import routes as R
from meshtui.services.guard import Guard
from meshtui.services.routes import RouteConflict, RouteService
from tests.conftest import SimCluster, api_client, run_cli

GROUP, VERSION = "networking.istio.io", "v1"


def env(sim: SimCluster) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig)}


def vs_spec(sim: SimCluster, name: str) -> dict:
    api = client.CustomObjectsApi(api_client(sim))
    return api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", name)["spec"]


def observe(sim: SimCluster, host: str) -> dict:
    result = run_cli("routes", "observe", host, "--seconds", "600", "--json", env=env(sim))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_weights_change_the_observed_split(sim: SimCluster) -> None:
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", env=env(sim))
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
    result = run_cli("routes", "fault", "ratings", "--abort", "503", "--percent", "50", env=env(sim))
    assert result.returncode == 0, result.stderr
    sim.send(1000, path="/")
    observed = observe(sim, "ratings")
    errors = sum(s["errors"] for s in observed["subsets"])
    assert observed["total"] == 1000
    assert 450 <= errors <= 550


def test_a_concurrent_writer_gets_409_and_is_not_clobbered(sim: SimCluster) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    service = RouteService(kube, Guard.for_context(kube.context))
    loaded = service.load("catalog")
    plan = service.plan(loaded, R.set_weights, {"v1": 70, "v2": 30})
    api = client.CustomObjectsApi(api_client(sim))
    theirs = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog")
    theirs["spec"]["http"][0]["timeout"] = "9s"
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog", theirs)
    with pytest.raises(RouteConflict) as info:
        service.apply(plan)
    assert "+  timeout: 9s" in info.value.their_change
    assert vs_spec(sim, "catalog")["http"][0]["timeout"] == "9s"  # their change stands
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 100  # ours was not written
    replay = service.plan(service.load("catalog"), R.set_weights, {"v1": 70, "v2": 30})
    service.apply(replay)
    spec = vs_spec(sim, "catalog")
    assert spec["http"][0]["timeout"] == "9s" and [r["weight"] for r in spec["http"][0]["route"]] == [70, 30]


def test_cli_conflict_exits_1_and_yes_applies_on_top(sim: SimCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    kube = KubeClient.connect(str(sim.kubeconfig))
    service = RouteService(kube, Guard.for_context(kube.context))
    original = RouteService.load
    calls = []

    def load_then_race(self, host, namespace=None):  # type: ignore[no-untyped-def]
        loaded = original(self, host, namespace)
        if not calls:
            calls.append(1)
            api = client.CustomObjectsApi(api_client(sim))
            obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", host)
            obj["spec"]["http"][0]["timeout"] = "7s"
            api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", host, obj)
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
    _ = service


def test_undo_restores_the_exact_previous_spec_and_reset_the_original(sim: SimCluster) -> None:
    before = vs_spec(sim, "catalog")
    for args in (["set", "catalog", "v1=80", "v2=20"], ["match", "catalog", "--header", "end-user=tester", "--to", "v3"],
                 ["timeout", "catalog", "2s", "--retries", "2"]):
        assert run_cli("routes", *args, env=env(sim)).returncode == 0
    after_match = vs_spec(sim, "catalog")
    assert run_cli("routes", "undo", "catalog", env=env(sim)).returncode == 0
    restored = vs_spec(sim, "catalog")
    assert "timeout" not in json.dumps(restored) and len(restored["http"]) == 2
    assert run_cli("routes", "undo", "catalog", env=env(sim)).returncode == 0
    assert run_cli("routes", "undo", "catalog", env=env(sim)).returncode == 0
    assert vs_spec(sim, "catalog") == before
    assert run_cli("routes", "undo", "catalog", env=env(sim)).returncode == 2  # nothing left to undo
    assert after_match != before
    assert run_cli("routes", "set", "catalog", "v1=50", "v3=50", env=env(sim)).returncode == 0
    assert run_cli("routes", "reset", "catalog", env=env(sim)).returncode == 0
    assert vs_spec(sim, "catalog") == before
    obj = client.CustomObjectsApi(api_client(sim)).get_namespaced_custom_object(GROUP, VERSION, "shop",
                                                                                "virtualservices", "catalog")
    assert R.ORIGINAL_ANNOTATION not in (obj["metadata"].get("annotations") or {})


def test_missing_objects_are_created_labelled_and_cleaned_up(sim: SimCluster) -> None:
    result = run_cli("routes", "set", "storefront", "v1=100", env=env(sim))
    assert result.returncode == 0, result.stderr
    api = client.CustomObjectsApi(api_client(sim))
    for plural in ("virtualservices", "destinationrules"):
        obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", plural, "storefront")
        assert obj["metadata"]["labels"][R.MANAGED_LABEL] == R.MANAGED_VALUE
    listed = json.loads(run_cli("routes", "list", "--json", env=env(sim)).stdout)
    assert next(h for h in listed if h["host"] == "storefront")["managed"]
    cleanup = run_cli("routes", "cleanup", env=env(sim))
    assert cleanup.returncode == 0 and "deleted virtualservices/storefront" in cleanup.stdout
    remaining = [o for plural in ("virtualservices", "destinationrules")
                 for o in api.list_namespaced_custom_object(GROUP, VERSION, "shop", plural)["items"]
                 if (o["metadata"].get("labels") or {}).get(R.MANAGED_LABEL) == R.MANAGED_VALUE]
    assert remaining == []


def test_validation_rejects_before_writing(sim: SimCluster) -> None:
    before = vs_spec(sim, "catalog")
    result = run_cli("routes", "set", "catalog", "v1=50", "v9=50", env=env(sim))
    assert result.returncode == 2 and "IST0101" in result.stderr and "nothing was written" in result.stderr
    assert run_cli("routes", "set", "catalog", "v1=50", "v2=40", env=env(sim)).returncode == 2
    assert run_cli("routes", "fault", "catalog", "--abort", "503", "--percent", "150", env=env(sim)).returncode == 2
    assert vs_spec(sim, "catalog") == before
    dry = run_cli("routes", "set", "catalog", "v1=50", "v2=50", "--dry-run", env=env(sim))
    assert dry.returncode == 0 and "+    weight: 50" in dry.stdout and vs_spec(sim, "catalog") == before


def test_the_safety_guard(sim: SimCluster, remote: str) -> None:
    refused = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "--kubeconfig", remote)
    assert refused.returncode == 3 and "--allow-remote" in refused.stderr
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 100
    read_only = run_cli("--read-only", "routes", "set", "catalog", "v1=90", "v2=10", env=env(sim))
    assert read_only.returncode == 3 and "read-only" in read_only.stderr
    allowed = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "--kubeconfig", remote, "--allow-remote")
    assert allowed.returncode == 0, allowed.stderr
    assert vs_spec(sim, "catalog")["http"][0]["route"][0]["weight"] == 90
