"""`meshtui routes` as scripts use it: one JSON document per command, errors left to the global handler, every
value checked before a request, nothing written that cannot be undone (review findings 2, 3, 6, 14, 16, 17, 22)."""

from __future__ import annotations

import json
from pathlib import Path

from kubernetes import client

from tests.conftest import SimCluster, api_client, run_cli

GROUP, VERSION = "networking.istio.io", "v1"


def env(sim: SimCluster, **extra: str) -> dict[str, str]:
    return {"KUBECONFIG": str(sim.kubeconfig), **extra}


def vs_spec(sim: SimCluster, name: str) -> dict:
    api = client.CustomObjectsApi(api_client(sim))
    return api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", name)["spec"]


def only_the_error(stderr: str) -> list[str]:
    """stderr lines other than the global handler's error report (plain `meshtui: error:`/`hint:`, or JSON)."""
    extra = []
    for line in stderr.splitlines():
        if line.startswith(("meshtui: error:", "  hint:")):
            continue
        try:
            if "error" in json.loads(line):
                continue
        except ValueError:
            pass
        extra.append(line)
    return extra


def test_json_errors_are_left_to_the_global_handler(sim: SimCluster) -> None:
    for argv, code in ((["show", "nosuch"], 2), (["breaker", "ratings", "--max-connections", "-1"], 2),
                       (["set", "catalog", "v1=50", "v2=40"], 2), (["undo", "catalog"], 1),
                       (["list", "-n", "Bad_NS!"], 2), (["fault", "catalog", "--abort", "503"], 2)):
        result = run_cli("routes", *argv, "--json", env=env(sim), input="")
        assert result.returncode == code, (argv, result.stderr)
        assert result.stdout == "", argv  # no plain text (and no half document) on stdout
        assert only_the_error(result.stderr) == [], (argv, result.stderr)


def test_every_json_success_is_one_document(sim: SimCluster) -> None:
    def document(*argv: str) -> dict | list:
        result = run_cli("routes", *argv, "--json", env=env(sim), input="")
        assert result.returncode == 0, (argv, result.stderr)
        assert result.stderr == "", (argv, result.stderr)  # warnings, defaults, notices are in the document
        return json.loads(result.stdout)

    changed = document("breaker", "catalog")
    assert isinstance(changed, dict) and changed["defaults"]["max_connections"] == 100 and changed["written"]
    preview = document("undo", "catalog", "--dry-run")
    assert isinstance(preview, dict) and preview["dry_run"] and "trafficPolicy" in preview["diff"]
    assert preview["undoes"] == "breaker"
    assert document("set", "storefront", "v1=100")["written"]  # type: ignore[index]
    reset = document("reset", "storefront", "--dry-run")
    assert isinstance(reset, dict) and reset["hosts"][0]["actions"][0].startswith("delete virtualservices/")
    assert "(deleted)" in reset["hosts"][0]["diff"] and "\n-hosts:" in reset["hosts"][0]["diff"]
    cleanup = document("cleanup", "--yes")
    assert isinstance(cleanup, dict) and {h["host"] for h in cleanup["hosts"]} == {"catalog", "storefront"}
    assert cleanup["hosts"][0]["done"] and not cleanup["dry_run"]
    listed, shown = document("list"), document("show", "catalog")
    assert isinstance(listed, list) and isinstance(shown, dict)
    row = next(h for h in listed if h["host"] == "catalog")
    assert set(row) <= set(shown) and all(shown[key] == row[key] for key in row)  # one vocabulary
    assert shown["virtual_service"] == "catalog" and "http" in shown["specs"]["virtual_service"]


def test_relative_weights_read_the_same_in_list_show_and_shift(sim: SimCluster) -> None:  # finding 3
    api = client.CustomObjectsApi(api_client(sim))
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "ratings")
    obj["spec"]["http"][0]["route"] = [{"destination": {"host": "ratings", "subset": "v1"}, "weight": 0},
                                       {"destination": {"host": "ratings", "subset": "v2"}, "weight": 5}]
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "ratings", obj)
    listed = run_cli("routes", "list", env=env(sim)).stdout
    assert "v1 0%, v2 100%" in listed and "v2=5" not in listed
    assert "v1 0%, v2 100%" in run_cli("routes", "show", "ratings", env=env(sim)).stdout
    dry = run_cli("routes", "shift", "ratings", "v1", "--dry-run", env=env(sim), input="")
    assert dry.returncode == 0 and "+    weight: 10" in dry.stdout and "+    weight: 90" in dry.stdout


def test_namespaces_and_windows_are_checked(sim: SimCluster) -> None:  # findings 14 and 16
    for argv, message in ((["set", "catalog", "v1=100", "-n", "../.."], "-n '../..': not a namespace name"),
                          (["list", "-n", "Bad_NS!"], "-n 'Bad_NS!': not a namespace name"),
                          (["list", "-n", ""], "-n '': empty value"),
                          (["list", "-n", "nosuchns"], "no namespace 'nosuchns' in this cluster"),
                          (["show", "catalog", "-n", "nosuchns"], "no namespace 'nosuchns' in this cluster"),
                          (["observe", "catalog", "--seconds", "0"], "--seconds '0': must be at least 1"),
                          (["observe", "catalog", "--seconds", "-5"], "--seconds '-5': must be at least 1"),
                          (["observe", "catalog", "--seconds", "99999999999999999999"], "must be at most 86400")):
        result = run_cli("routes", *argv, env=env(sim), input="")
        assert result.returncode == 2, (argv, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (argv, result.stderr)


def test_an_unwritable_history_stops_the_write_before_it_happens(sim: SimCluster, tmp_path: Path) -> None:  # 2
    before = vs_spec(sim, "catalog")
    not_a_dir = tmp_path / "f"
    not_a_dir.write_text("")
    result = run_cli("routes", "set", "catalog", "v1=30", "v2=70", env=env(sim, XDG_STATE_HOME=str(not_a_dir)),
                     input="")
    # The guard reads its own state file there first (and refuses with exit 2); either way one clear message naming
    # the path and nothing written. The history's own check is the lock case below and tests/unit/test_undo_store.py.
    assert result.returncode in (1, 2) and "internal error" not in result.stderr, result.stderr
    assert f"{not_a_dir}/meshtui/" in result.stderr and "Not a directory" in result.stderr, result.stderr
    assert vs_spec(sim, "catalog") == before  # nothing written that could not be undone
    state = tmp_path / "state"
    (state / "meshtui" / "undo.json.lock").mkdir(parents=True)
    locked = run_cli("routes", "set", "catalog", "v1=30", "v2=70", env=env(sim, XDG_STATE_HOME=str(state)), input="")
    assert locked.returncode == 1 and "undo.json.lock" in locked.stderr and vs_spec(sim, "catalog") == before



def test_a_history_from_a_newer_meshtui_refuses_the_write_and_is_kept(sim: SimCluster, tmp_path: Path) -> None:
    before = vs_spec(sim, "catalog")  # review-guard 8
    history = tmp_path / "state" / "meshtui" / "undo.json"
    history.parent.mkdir(parents=True)
    history.write_text('{"schema_version": 7, "clusters": {}}')
    for argv in (["set", "catalog", "v1=30", "v2=70", "--yes"], ["undo", "catalog", "--yes"]):
        result = run_cli("routes", *argv, env=env(sim, XDG_STATE_HOME=str(tmp_path / "state")), input="")
        assert result.returncode == 2 and "Traceback" not in result.stderr, (argv, result.stderr)
        assert f"the undo history {history} was written by a newer meshtui (schema version 7, this one reads 2)" \
            in result.stderr, result.stderr
    assert vs_spec(sim, "catalog") == before
    assert history.read_text() == '{"schema_version": 7, "clusters": {}}'


def test_a_new_fault_at_every_request_needs_a_yes_off_a_terminal(sim: SimCluster) -> None:  # finding 17
    refused = run_cli("routes", "fault", "catalog", "--abort", "503", env=env(sim), input="")
    assert refused.returncode == 2 and "affects every request (100%)" in refused.stderr
    assert "percent of requests 100" in refused.stderr  # the default is announced
    assert "fault" not in json.dumps(vs_spec(sim, "catalog"))
    mirrored = run_cli("routes", "mirror", "catalog", "--to", "v2", env=env(sim), input="")
    assert mirrored.returncode == 0 and "defaults for values you did not give" in mirrored.stderr
    agreed = run_cli("routes", "fault", "catalog", "--abort", "503", "--yes", env=env(sim))
    assert agreed.returncode == 0, agreed.stderr
    assert vs_spec(sim, "catalog")["http"][0]["fault"]["abort"]["percentage"] == {"value": 100.0}


def test_undo_dry_run_passes_the_guard_and_nothing_to_undo_is_a_failure(sim: SimCluster, remote: str) -> None:
    assert run_cli("routes", "set", "catalog", "v1=80", "v2=20", env=env(sim), input="").returncode == 0
    dry = run_cli("routes", "undo", "catalog", "--dry-run", "--kubeconfig", remote, input="")
    assert dry.returncode == 0 and "-    weight: 80" in dry.stdout, dry.stderr  # writes nothing: like every dry run
    assert run_cli("routes", "undo", "catalog", "--kubeconfig", remote, input="").returncode == 3
    assert run_cli("routes", "undo", "catalog", env=env(sim), input="").returncode == 0
    nothing = run_cli("routes", "undo", "catalog", env=env(sim), input="")
    assert nothing.returncode == 1 and "nothing to undo" in nothing.stderr  # not bad input: nothing was done
