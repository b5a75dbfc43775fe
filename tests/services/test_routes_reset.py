"""Reset, cleanup and undo against the simulator: shown before, checked, undoable, and honest about what they
discard (review findings 5 and 8)."""

from __future__ import annotations

import json

from kubernetes import client

from meshtui.domain import routes as R
from tests.conftest import SimCluster, api_client, run_cli

GROUP, VERSION = "networking.istio.io", "v1"


def env(sim: SimCluster) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig)}


def api(sim: SimCluster) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client(sim))


def get(sim: SimCluster, plural: str, name: str) -> dict:
    return api(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", plural, name)


def replace(sim: SimCluster, plural: str, name: str, change) -> None:  # type: ignore[no-untyped-def]
    """Another writer, as kubectl edit would: read, change, replace."""
    obj = get(sim, plural, name)
    change(obj)
    api(sim).replace_namespaced_custom_object(GROUP, VERSION, "shop", plural, name, obj)


def test_reset_refuses_a_corrupt_annotation_with_a_message(sim: SimCluster) -> None:
    assert run_cli("routes", "set", "catalog", "v1=50", "v2=50", env=env(sim), input="").returncode == 0

    def corrupt(obj: dict) -> None:
        obj["metadata"]["annotations"][R.ORIGINAL_ANNOTATION] = "{bad json"
    replace(sim, "virtualservices", "catalog", corrupt)
    before = get(sim, "virtualservices", "catalog")["spec"]
    for argv in (["reset", "catalog", "--yes"], ["cleanup", "--yes"], ["reset", "catalog", "--dry-run"]):
        result = run_cli("routes", *argv, env=env(sim), input="")
        assert result.returncode == 1, (argv, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
        assert f"virtualservices/catalog: the annotation {R.ORIGINAL_ANNOTATION} is not valid JSON" in result.stderr
    assert get(sim, "virtualservices", "catalog")["spec"] == before


def test_reset_shows_what_the_annotation_restores_and_can_be_undone(sim: SimCluster) -> None:
    assert run_cli("routes", "set", "catalog", "v1=50", "v2=50", env=env(sim), input="").returncode == 0
    evil = {"hosts": ["catalog"], "http": [{"route": [{"destination": {"host": "catalog", "subset": "v1"},
                                                       "weight": 50},
                                                      {"destination": {"host": "evil.example.com"}, "weight": 50}]}]}

    def plant(obj: dict) -> None:
        obj["metadata"]["annotations"][R.ORIGINAL_ANNOTATION] = json.dumps(evil)
    replace(sim, "virtualservices", "catalog", plant)
    meshtuis = get(sim, "virtualservices", "catalog")["spec"]
    reset = run_cli("routes", "reset", "catalog", "--yes", env=env(sim))
    assert reset.returncode == 0, reset.stderr
    assert "+      host: evil.example.com" in reset.stdout  # the diff, before it was written
    assert "50% of a rule's traffic goes to evil.example.com (another host)" in reset.stderr  # and a warning
    assert "undo catalog` reverts the reset" in reset.stderr
    assert get(sim, "virtualservices", "catalog")["spec"] == evil
    undo = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert undo.returncode == 0, undo.stderr  # the history was kept: the reset itself is undoable
    restored = get(sim, "virtualservices", "catalog")
    assert restored["spec"] == meshtuis and restored["metadata"]["annotations"][R.ORIGINAL_ANNOTATION] == \
        json.dumps(evil)  # so a later reset still knows the original


def test_cleanup_says_it_discards_a_later_edit_and_undo_brings_everything_back(sim: SimCluster) -> None:
    assert run_cli("routes", "set", "orders", "v1=100", env=env(sim), input="").returncode == 0  # created by meshtui

    def add_timeout(obj: dict) -> None:
        obj["spec"]["http"][0]["timeout"] = "5s"
    replace(sim, "virtualservices", "orders", add_timeout)
    with_timeout = get(sim, "virtualservices", "orders")["spec"]
    dry = run_cli("routes", "cleanup", "--dry-run", env=env(sim), input="")
    assert dry.returncode == 0 and "-  timeout: 5s" in dry.stdout  # the later edit is in the diff
    assert "virtualservices/orders was changed after meshtui's last write; the reset discards that change" in dry.stderr
    assert run_cli("routes", "cleanup", "--yes", env=env(sim)).returncode == 0
    assert not [o for o in api(sim).list_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices")["items"]
                if o["metadata"]["name"] == "orders"]
    undo = run_cli("routes", "undo", "orders", env=env(sim), input="")
    assert undo.returncode == 0, undo.stderr
    back = get(sim, "virtualservices", "orders")
    assert back["spec"] == with_timeout and back["metadata"]["labels"][R.MANAGED_LABEL] == R.MANAGED_VALUE


def test_an_undo_refusal_shows_only_the_real_change_and_says_where(sim: SimCluster) -> None:  # finding 8
    assert run_cli("routes", "timeout", "catalog", "3s", "--retries", "2", env=env(sim), input="").returncode == 0

    def later(obj: dict) -> None:
        obj["spec"]["http"][0]["timeout"] = "4s"
    replace(sim, "virtualservices", "catalog", later)
    refused = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert refused.returncode == 1
    changed = [line for line in refused.stderr.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-  timeout: 3s", "+  timeout: 4s"], refused.stderr  # retries not removed and re-added
    assert "below" not in refused.stderr and refused.stderr.index("+  timeout: 4s") < refused.stderr.index("--force")
    assert run_cli("routes", "undo", "catalog", "--force", env=env(sim), input="").returncode == 0
    assert run_cli("routes", "set", "catalog", "v1=45", "v2=55", env=env(sim), input="").returncode == 0
    assert run_cli("routes", "set", "catalog", "v1=40", "v2=60", env=env(sim), input="").returncode == 0
    preview = run_cli("routes", "undo", "catalog", "--dry-run", env=env(sim), input="")
    changed = [line for line in preview.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-    weight: 40", "+    weight: 45", "-    weight: 60", "+    weight: 55"], preview.stdout


def test_shift_keeps_a_route_to_another_host_and_names_it(sim: SimCluster) -> None:  # finding 4
    def leave(obj: dict) -> None:
        obj["spec"]["http"][0]["route"] = [{"destination": {"host": "catalog", "subset": "v1"}, "weight": 90},
                                           {"destination": {"host": "evil.example.com"}, "weight": 10}]
    replace(sim, "virtualservices", "catalog", leave)
    shown = run_cli("routes", "show", "catalog", env=env(sim)).stdout
    assert "evil.example.com (another host) 10%" in shown and "(any)" not in shown
    assert run_cli("routes", "shift", "catalog", "v2", env=env(sim), input="").returncode == 0
    route = get(sim, "virtualservices", "catalog")["spec"]["http"][0]["route"]
    assert [(d["destination"].get("subset", d["destination"]["host"]), d["weight"]) for d in route] == [
        ("v1", 80), ("evil.example.com", 10), ("v2", 10)]
    dropped = run_cli("routes", "set", "catalog", "v1=100", "--dry-run", env=env(sim), input="")
    assert "warning: the change removes the route to evil.example.com (10% of the traffic)" in dropped.stderr
