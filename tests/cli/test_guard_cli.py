"""The safety guard through the real CLI: real kubeconfigs, a simulated cluster over HTTP, a loopback relay.

The relay is the cluster's only way in for a remote-looking context (its `proxy-url`),
and it records every connection and request line, so "nothing was written" and
"nothing was even asked" are facts measured at the wire, not inferred from output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.conftest import SimCluster, api_client, run_cli
from tests.fakes.relay import Relay, remote_kubeconfig

TOOL_NAMES = ["kind-prod", "minikube", "meshtui-sim", "docker-desktop", "k3d-x", "rancher-desktop", "orbstack",
              "colima"]


def weights(sim: SimCluster) -> list[int]:
    api = client.CustomObjectsApi(api_client(sim))
    spec = api.get_namespaced_custom_object("networking.istio.io", "v1", "shop", "virtualservices", "catalog")["spec"]
    return [route["weight"] for route in spec["http"][0]["route"]]


@pytest.fixture
def relay(sim: SimCluster) -> Iterator[Relay]:
    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    yield relay
    relay.close()


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_a_local_tool_name_on_a_remote_server_is_refused_and_nothing_is_written(
        name: str, sim: SimCluster, relay: Relay, tmp_path: Path) -> None:
    before = weights(sim)
    kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context=name)
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "-n", "shop", "--kubeconfig", kubeconfig)
    assert result.returncode == 3, result.stderr
    assert "REMOTE" in result.stderr and "prod.example.internal" in result.stderr
    assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr
    assert relay.writes() == []
    assert weights(sim) == before


def test_a_refused_routes_set_sends_no_request_at_all(sim: SimCluster, relay: Relay, tmp_path: Path) -> None:
    kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context="kind-prod")
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "-n", "shop", "--kubeconfig", kubeconfig)
    assert result.returncode == 3, result.stderr
    assert relay.connections == 0 and relay.requests == []


def test_a_plainly_remote_unreachable_context_is_refused_with_exit_3(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "kind-prod",
        "clusters": [{"name": "c", "cluster": {"server": "https://prod.example.internal:6443"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "kind-prod", "context": {"cluster": "c", "user": "u"}}]}))
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "-n", "shop", "--kubeconfig", str(kubeconfig))
    assert result.returncode == 3, result.stderr


def test_a_pinned_context_and_server_may_write(sim: SimCluster, relay: Relay, tmp_path: Path) -> None:
    kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context="lab")
    config = tmp_path / "xdg-config" / "meshtui"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("local_contexts:\n  - context: lab\n    server: http://prod.example.internal:6443\n")
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "-n", "shop", "--kubeconfig", kubeconfig)
    assert result.returncode == 0, result.stderr
    assert weights(sim) == [90, 10] and relay.writes()
    # the same name pinned to another server is not enough
    (config / "config.yaml").write_text("local_contexts:\n  - {context: lab, server: 'http://other:6443'}\n")
    refused = run_cli("routes", "set", "catalog", "v1=50", "v2=50", "-n", "shop", "--kubeconfig", kubeconfig)
    assert refused.returncode == 3 and weights(sim) == [90, 10]


def test_a_bad_pin_file_is_bad_input(sim: SimCluster, relay: Relay, tmp_path: Path) -> None:
    kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context="lab")
    config = tmp_path / "xdg-config" / "meshtui"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("local_contexts:\n  - context: lab\n    sever: http://x\n")
    result = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "-n", "shop", "--kubeconfig", kubeconfig)
    assert result.returncode == 2 and "config.yaml:3" in result.stderr and "sever" in result.stderr
    assert "internal error" not in result.stderr and relay.writes() == []


def test_loopback_sim_is_simulated_and_doctor_says_why(sim: SimCluster, relay: Relay, tmp_path: Path) -> None:
    local = run_cli("doctor", "--json", "--kubeconfig", str(sim.kubeconfig))
    check = next(c for c in json.loads(local.stdout)["checks"] if c["name"] == "kube context")
    assert "SIMULATED" in check["reason"] and "is loopback" in check["reason"]
    kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context="kind-prod")
    remote = run_cli("doctor", "--kubeconfig", kubeconfig)
    line = next(text for text in remote.stdout.splitlines() if "kube context" in text)
    assert "REMOTE: the API server prod.example.internal:6443 does not resolve" in line


def test_a_dry_run_is_refused_where_the_write_would_be(sim: SimCluster, relay: Relay, tmp_path: Path) -> None:
    """A server-side dry run reaches admission webhooks and the audit log: it is a write request to the guard."""
    before = weights(sim)
    kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context="kind-prod")
    commands = (["set", "catalog", "v1=90", "v2=10"], ["breaker", "catalog", "--max-connections", "20"],
                ["fault", "catalog", "--abort", "503", "--percent", "10"], ["reset", "catalog"], ["cleanup"])
    for extra in ([], ["--read-only", "--allow-remote"]):
        for command in commands:
            result = run_cli("routes", *command, "-n", "shop", "--dry-run", *extra, "--kubeconfig", kubeconfig)
            assert result.returncode == 3, (command, extra, result.stdout, result.stderr)
            assert "dry run" in result.stderr or "read-only" in result.stderr, result.stderr
            assert relay.requests == [], (command, extra)  # refused before the first request, reads included
    allowed = run_cli("routes", "set", "catalog", "v1=90", "v2=10", "-n", "shop", "--dry-run", "--allow-remote",
                      "--kubeconfig", kubeconfig)
    assert allowed.returncode == 0, allowed.stderr
    assert relay.writes() and all("dryRun=All" in url for _method, url in relay.writes()), relay.writes()
    assert weights(sim) == before
