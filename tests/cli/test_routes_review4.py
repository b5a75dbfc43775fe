"""`meshtui routes breaker` against the tester's fourth review: an edit of an existing breaker changes exactly the
flags given. Defaults fill in only for a host with no breaker at all (no connection pool, no outlier detection), so
a field removed with `none` stays removed and someone else's partial policy gets nothing added.

Every test runs the real entry point against the simulated cluster over HTTP."""

from __future__ import annotations

from kubernetes import client

from tests.cli.test_routes_cli import GROUP, VERSION, env
from tests.conftest import SimCluster, api_client, run_cli


def policy_of(sim: SimCluster, host: str) -> dict:
    api = client.CustomObjectsApi(api_client(sim))
    return api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", host)["spec"].get(
        "trafficPolicy", {})


def set_policy(sim: SimCluster, host: str, policy: dict) -> None:
    """Another writer (kubectl) gives the DestinationRule this trafficPolicy."""
    api = client.CustomObjectsApi(api_client(sim))
    obj = api.get_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", host)
    obj["spec"]["trafficPolicy"] = policy
    api.replace_namespaced_custom_object(GROUP, VERSION, "shop", "destinationrules", host, obj)


def test_a_partial_pool_set_by_someone_else_gets_only_the_flag_given(sim: SimCluster) -> None:
    set_policy(sim, "catalog", {"connectionPool": {"tcp": {"maxConnections": 10}}})
    result = run_cli("routes", "breaker", "catalog", "-n", "shop", "--max-connections", "20", "--dry-run",
                     env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "-      maxConnections: 10" in result.stdout and "+      maxConnections: 20" in result.stdout
    for added in ("http1MaxPendingRequests", "outlierDetection", "consecutive5xxErrors", "interval"):
        assert added not in result.stdout, result.stdout
    assert "defaults" not in result.stderr, result.stderr
    assert run_cli("routes", "breaker", "catalog", "--max-connections", "20", "--yes", env=env(sim)).returncode == 0
    assert policy_of(sim, "catalog") == {"connectionPool": {"tcp": {"maxConnections": 20}}}
    # and an ejection setting alone adds no pool limits either
    assert run_cli("routes", "breaker", "catalog", "--consecutive-errors", "4", "--yes", env=env(sim)).returncode == 0
    assert policy_of(sim, "catalog") == {"connectionPool": {"tcp": {"maxConnections": 20}},
                                         "outlierDetection": {"consecutive5xxErrors": 4}}


def test_a_field_removed_with_none_stays_removed_on_the_next_edit(sim: SimCluster) -> None:
    result = run_cli("routes", "breaker", "ratings", "--consecutive-errors", "7", "--yes", env=env(sim))
    assert result.returncode == 0, result.stderr
    assert "defaults" in result.stderr  # a new breaker: the defaults are said before they are written
    assert policy_of(sim, "ratings")["outlierDetection"]["interval"] == "10s"
    assert run_cli("routes", "breaker", "ratings", "--interval", "none", "--yes", env=env(sim)).returncode == 0
    assert "interval" not in policy_of(sim, "ratings")["outlierDetection"]
    result = run_cli("routes", "breaker", "ratings", "--max-connections", "55", "--dry-run", env=env(sim), input="")
    assert result.returncode == 0, result.stderr
    assert "+      maxConnections: 55" in result.stdout and "interval" not in result.stdout, result.stdout
    assert "defaults" not in result.stderr, result.stderr
    before = policy_of(sim, "ratings")
    assert run_cli("routes", "breaker", "ratings", "--max-connections", "55", "--yes", env=env(sim)).returncode == 0
    after = policy_of(sim, "ratings")
    assert "interval" not in after["outlierDetection"] and after["outlierDetection"]["consecutive5xxErrors"] == 7
    before["connectionPool"]["tcp"]["maxConnections"] = 55
    assert after == before  # exactly the flag given changed
