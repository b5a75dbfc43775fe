"""`meshtui routes` against the tester's third review (review-routes2): removal edits that change nothing,
hosts spelled as FQDNs, a name collision, an original spec too large to keep, strict numbers.

Every test runs the real entry point against the simulated cluster over HTTP."""

from __future__ import annotations

import json

from kubernetes import client

from tests.cli.test_routes_cli import GROUP, VERSION, env, routes_state
from tests.conftest import SimCluster, api_client, run_cli


def custom(sim: SimCluster) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client(sim))


def test_removing_a_breaker_field_that_is_not_set_changes_nothing(sim: SimCluster) -> None:
    api = custom(sim)
    dr = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", "catalog")
    assert "trafficPolicy" not in dr["spec"]
    before = routes_state(sim)
    for argv in (["--max-connections", "none"], ["--max-connections", "none", "--consecutive-errors", "none"]):
        result = run_cli("routes", "breaker", "catalog", *argv, env=env(sim), input="")
        assert result.returncode == 0, result.stderr
        assert "nothing to change" in result.stderr and "defaults" not in result.stderr
        assert "outlierDetection" not in result.stdout + result.stderr
    # orders has pods of two versions but no DestinationRule: none is created for a removal
    result = run_cli("routes", "breaker", "orders", "--max-connections", "none", env=env(sim), input="")
    assert result.returncode == 0 and "nothing to change" in result.stderr, result.stderr
    assert routes_state(sim) == before
    # a field that is set is removed alone: the others stay, and no default is added
    assert run_cli("routes", "breaker", "catalog", "--max-connections", "7", "--yes", env=env(sim)).returncode == 0
    result = run_cli("routes", "breaker", "catalog", "--consecutive-errors", "none", "--yes", env=env(sim))
    assert result.returncode == 0 and "defaults" not in result.stderr, result.stderr
    policy = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", "catalog")["spec"][
        "trafficPolicy"]
    assert policy["connectionPool"]["tcp"]["maxConnections"] == 7
    assert "consecutive5xxErrors" not in policy["outlierDetection"]


def test_a_name_taken_by_another_hosts_virtualservice_is_reported_as_such(sim: SimCluster) -> None:
    api = custom(sim)
    api.create_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "VirtualService", "metadata": {"name": "orders"},
        "spec": {"hosts": ["other-host"], "http": [{"route": [{"destination": {"host": "other-host"}}]}]}})
    before = routes_state(sim)
    for extra in ([], ["--dry-run"], ["--json"]):
        result = run_cli("routes", "set", "orders", "v1=100", "--yes", *extra, env=env(sim), input="")
        assert result.returncode == 1, result.stderr
        assert "a VirtualService named orders already exists in shop and routes other-host" in result.stderr
        assert "will not overwrite it" in result.stderr and "another writer" not in result.stderr
    assert routes_state(sim) == before


def big_spec(host: str, rules: int) -> dict:
    """A valid VirtualService spec of `rules` header matches (about 100 bytes each)."""
    http = [{"name": f"rule-{i}", "match": [{"headers": {"x-tenant": {"exact": f"tenant-{i:06d}"}}}],
             "route": [{"destination": {"host": host, "subset": "v2"}}]} for i in range(rules)]
    http.append({"name": "primary", "route": [{"destination": {"host": host, "subset": "v1"}, "weight": 100}]})
    return {"hosts": [host], "http": http}


def test_an_original_spec_too_large_for_the_annotation_is_refused_clearly(sim: SimCluster) -> None:
    api = custom(sim)
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "ratings")
    obj["spec"] = big_spec("ratings", 3000)
    assert len(json.dumps(obj["spec"])) > 256 * 1024
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "ratings", obj)
    before = routes_state(sim)
    for extra in (["--dry-run"], ["--yes"]):
        result = run_cli("routes", "set", "ratings", "v1=50", "v2=50", *extra, env=env(sim), input="")
        assert result.returncode == 1, result.stderr
        assert "meshtui keeps a copy of its original spec in its own annotation meshtui.dev/original-spec" \
            in result.stderr, result.stderr
        assert "over the API server's limit of 256 KiB" in result.stderr and "nothing was written" in result.stderr
        assert "rejected" not in result.stderr and "Traceback" not in result.stderr
    assert routes_state(sim) == before
    # an object just under the limit still takes its first change
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "ratings")
    obj["spec"] = big_spec("ratings", 500)
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "ratings", obj)
    result = run_cli("routes", "set", "ratings", "v1=50", "v2=50", "--yes", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
