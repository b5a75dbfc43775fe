"""The simulator as the oracle for routes: it rejects what istiod's webhook rejects, and accepts what a real API
server and kubectl accept (review finding 23), so a route test that passes here means what it says."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.conftest import SimCluster, api_client, require

GROUP, VERSION = "networking.istio.io", "v1"


def create(sim: SimCluster, plural: str, kind: str, name: str, spec: dict) -> None:
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": kind, "metadata": {"name": name, "namespace": "shop"},
            "spec": spec}
    client.CustomObjectsApi(api_client(sim)).create_namespaced_custom_object(GROUP, VERSION, "shop", plural, body)


@pytest.mark.parametrize(("plural", "kind", "spec", "message"), [
    ("virtualservices", "VirtualService", {"hosts": ["[bold]evil"], "http": [{"route": [
        {"destination": {"host": "catalog"}}]}]}, 'domain name \\"[bold]evil\\" invalid'),
    ("virtualservices", "VirtualService", {"hosts": ["catalog"], "http": [{"route": [
        {"destination": {"host": "evil\x1b]0;x"}}]}]}, "invalid (label"),
    ("virtualservices", "VirtualService", {"hosts": ["catalog.123"], "http": [{"route": [
        {"destination": {"host": "catalog"}}]}]}, "cannot be all-numeric"),
    ("destinationrules", "DestinationRule", {"host": "catalog", "subsets": [
        {"name": "v1", "labels": {"version": "[b]"}}]}, 'invalid tag value: \\"[b]\\"'),
    ("destinationrules", "DestinationRule", {"host": "catalog", "subsets": [
        {"name": "v1", "labels": {"bad key!": "v1"}}]}, 'invalid tag key: \\"bad key!\\"'),
    ("destinationrules", "DestinationRule", {"host": "*.*", "subsets": []}, "invalid (label"),
])
def test_the_sim_rejects_hosts_and_labels_istio_rejects(sim: SimCluster, plural: str, kind: str, spec: dict,
                                                        message: str) -> None:
    with pytest.raises(ApiException) as info:
        create(sim, plural, kind, "hostile", spec)
    assert info.value.status == 422 and message in info.value.body


def test_the_sim_accepts_the_hosts_istio_accepts(sim: SimCluster) -> None:
    route = [{"route": [{"destination": {"host": "catalog.shop.svc.cluster.local"}}]}]
    create(sim, "virtualservices", "VirtualService", "wild", {"hosts": ["*.example.com", "catalog.shop"],
                                                              "gateways": ["shop/gw"], "http": route})
    create(sim, "virtualservices", "VirtualService", "byip", {"hosts": ["10.0.0.1"], "gateways": ["shop/gw"],
                                                              "http": route})
    create(sim, "destinationrules", "DestinationRule", "labels", {"host": "catalog", "subsets": [
        {"name": "v1", "labels": {"app.kubernetes.io/version": "1.2_3", "empty": ""}}]})


def test_kubectl_applies_a_v1_list(sim: SimCluster, tmp_path: Path) -> None:
    require(shutil.which("kubectl") is not None, "kubectl is not installed")
    items = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-list", "namespace": "shop"},
              "data": {"a": "1"}},
             {"apiVersion": f"{GROUP}/{VERSION}", "kind": "VirtualService",
              "metadata": {"name": "from-list", "namespace": "shop"},
              "spec": {"hosts": ["ratings"], "http": [{"route": [{"destination": {"host": "ratings"}}]}]}}]
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))

    def kubectl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), *args], capture_output=True,
                              text=True, timeout=60)
    applied = kubectl("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stderr
    assert "configmap/from-list created" in applied.stdout
    assert "virtualservice.networking.istio.io/from-list created" in applied.stdout
    again = kubectl("apply", "-f", str(path))
    assert again.returncode == 0 and "unchanged" in again.stdout, again.stderr
    items[1]["spec"]["hosts"] = ["[bold]evil"]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    rejected = kubectl("apply", "-f", str(path))
    assert rejected.returncode != 0 and "[bold]evil" in rejected.stderr  # the server still validates each item
