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
