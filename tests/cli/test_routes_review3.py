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


def test_a_host_spelled_as_a_dns_name_is_the_same_host(sim: SimCluster) -> None:
    fqdn = "catalog.shop.svc.cluster.local"
    result = run_cli("routes", "set", fqdn, "v1=90", "v2=10", "--yes", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "VirtualService shop/catalog" in result.stdout and fqdn not in result.stdout
    assert "`meshtui routes undo catalog` reverts it" in result.stderr
    listed = json.loads(run_cli("routes", "list", "--json", env=env(sim)).stdout)
    catalog = next(h for h in listed if h["host"] == "catalog")
    assert catalog["weights"] == {"v1": 90, "v2": 10}
    for spelling in ("catalog", "catalog.shop", "catalog.shop.svc", fqdn):
        shown = json.loads(run_cli("routes", "show", spelling, "--json", env=env(sim)).stdout)
        assert shown["host"] == "catalog" and shown["versions"] == ["v1", "v2", "v3"], (spelling, shown)
    undo = run_cli("routes", "undo", "catalog.shop", "--yes", env=env(sim), input="")
    assert undo.returncode == 0, undo.stderr  # meshtui's own write, whatever the spelling
    vs = custom(sim).get_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", "catalog")
    assert [r.get("weight") for r in vs["spec"]["http"][0]["route"]] == [100]
    clash = run_cli("routes", "show", "catalog.shop", "-n", "default", env=env(sim))
    assert clash.returncode == 2 and "is in namespace shop, but -n says default" in clash.stderr


def test_the_diff_names_the_object_written_when_it_is_not_the_host(sim: SimCluster) -> None:
    api = custom(sim)
    api.create_namespaced_custom_object(GROUP, VERSION, "shop", "virtualservices", {
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "VirtualService", "metadata": {"name": "orders-vs"},
        "spec": {"hosts": ["orders.shop.svc.cluster.local"],
                 "http": [{"route": [{"destination": {"host": "orders"}}]}]}})
    result = run_cli("routes", "timeout", "orders", "2s", "--dry-run", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "VirtualService shop/orders-vs" in result.stdout and "VirtualService shop/orders\n" not in result.stdout


def test_values_are_plain_numbers_and_a_shift_that_moves_nothing_says_why(sim: SimCluster) -> None:
    # blanks around a value are stripped and leading zeros are harmless, the same for every field
    result = run_cli("routes", "fault", "catalog", "--delay", " 5s", "--percent", "005", "--dry-run", "--json",
                     env=env(sim))
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)["diff"]
    assert "fixedDelay: 5s" in diff and "value: 5.0" in diff
    result = run_cli("routes", "fault", "catalog", "--abort", "0503", "--percent", "5", "--dry-run", "--json",
                     env=env(sim))
    assert result.returncode == 0 and "httpStatus: 503" in json.loads(result.stdout)["diff"]
    before = routes_state(sim)
    result = run_cli("routes", "shift", "catalog", "v3", "--by", "-10", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "v3 has no weight to move back (it takes 0% of the traffic), nothing to change" in result.stderr
    assert routes_state(sim) == before
