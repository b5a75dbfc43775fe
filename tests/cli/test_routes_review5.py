"""`meshtui routes` against the tester's fifth review (issue 15): reset warns about every later change, limits of 0
get a true message, -0 is never written, and a huge external value is not echoed in full.

Every test runs the real entry point against the simulated cluster over HTTP."""

from __future__ import annotations

import json

from kubernetes import client

from tests.cli.test_routes_cli import GROUP, VERSION, env
from tests.conftest import SimCluster, api_client, run_cli


def patch_dr(sim: SimCluster, host: str, change) -> None:  # type: ignore[no-untyped-def]
    """Another writer (kubectl patch) changes the DestinationRule."""
    api = client.CustomObjectsApi(api_client(sim))
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", host)
    change(obj["spec"])
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", host, obj)


def test_reset_warns_about_a_later_change_to_an_object_the_last_write_did_not_touch(sim: SimCluster) -> None:
    assert run_cli("routes", "breaker", "ratings", "--max-connections", "50", "-y", env=env(sim)).returncode == 0

    def seven(spec: dict) -> None:
        spec["trafficPolicy"]["connectionPool"]["tcp"]["maxConnections"] = 7
    patch_dr(sim, "ratings", seven)
    warning = "destinationrules/ratings was changed after meshtui's last write"
    assert warning in run_cli("routes", "reset", "ratings", "--dry-run", env=env(sim), input="").stderr
    assert run_cli("routes", "set", "ratings", "v1=90", "v2=10", "-y", env=env(sim)).returncode == 0  # the VS only
    dry = run_cli("routes", "reset", "ratings", "--dry-run", env=env(sim), input="")
    assert dry.returncode == 0, dry.stderr
    assert "-      maxConnections: 7" in dry.stdout, dry.stdout
    assert warning in dry.stderr, dry.stderr
    as_json = run_cli("routes", "reset", "ratings", "--dry-run", "--json", env=env(sim), input="")
    assert any(warning in w for w in json.loads(as_json.stdout)["hosts"][0]["warnings"]), as_json.stdout
    cleanup = run_cli("routes", "cleanup", "--dry-run", env=env(sim), input="")
    assert warning in cleanup.stderr, cleanup.stderr
    # the VS, written last and untouched since, gets no warning
    assert "virtualservices/ratings was changed" not in dry.stderr


def test_a_limit_of_0_is_refused_for_the_reason_istio_gives_it(sim: SimCluster) -> None:
    """Istio accepts 0 (its validation only rejects a negative limit) but reads it as "not set": no limit at all."""
    for flag in ("--max-connections", "--max-pending"):
        zero = run_cli("routes", "breaker", "ratings", flag, "0", "-y", env=env(sim), input="")
        assert zero.returncode == 2, zero.stderr
        assert "no limit Istio accepts" not in zero.stderr  # untrue: Istio accepts 0
        assert "Istio rejects a negative limit; it accepts 0 but reads it as no limit at all" in zero.stderr, zero.stderr
        negative = run_cli("routes", "breaker", "ratings", flag, "-3", "-y", env=env(sim), input="")
        assert negative.returncode == 2 and "Istio rejects a negative limit" in negative.stderr, negative.stderr
    api = client.CustomObjectsApi(api_client(sim))
    spec = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", "ratings")["spec"]
    assert "connectionPool" not in json.dumps(spec)  # nothing written


def test_a_percentage_of_minus_0_is_written_as_0(sim: SimCluster) -> None:
    api = client.CustomObjectsApi(api_client(sim))
    for argv in (("fault", "catalog", "--delay", "2s", "--percent", "-0"), ("mirror", "catalog", "--to", "v2", "--percent", "-0")):
        result = run_cli("routes", *argv, "-y", env=env(sim), input="")
        assert result.returncode == 0, result.stderr
        assert "-0.0" not in result.stdout, result.stdout
        raw = json.dumps(api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog"))
        assert "-0.0" not in raw and '"value": 0.0' in raw, raw


def test_a_huge_host_name_or_value_is_not_echoed_in_full(sim: SimCluster) -> None:
    host = "a" * 5000
    for argv in (("breaker", host, "--max-connections", "5", "--dry-run"), ("set", host, "v1=100", "--dry-run"),
                 ("reset", host, "--dry-run"), ("fault", host, "--abort", "503", "--dry-run"), ("show", host),
                 ("undo", host), ("breaker", host, "--max-connections", "x")):
        result = run_cli("routes", *argv, env=env(sim), input="")
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "a" * 81 not in result.stderr + result.stdout, (argv[0], len(result.stderr))
        assert "…(5000 chars)" in result.stderr, result.stderr
    for argv in (("show", "b" * 200), ("breaker", "catalog", "--max-connections", "9" * 3000),
                 ("mirror", "catalog", "--to", "v" * 3000), ("show", "catalog", "-n", "c" * 3000)):
        result = run_cli("routes", *argv, env=env(sim), input="")
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert max(len(line) for line in result.stderr.splitlines()) < 400, (argv[0], result.stderr[:300])
        assert "chars)" in result.stderr, result.stderr
