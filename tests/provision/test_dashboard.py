"""`meshtui dashboard NAME`: port-forward through kubectl (a fake here) and print the URL."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import yaml

from meshtui.sim import SimCluster
from tests.conftest import FakeTools, run_cli


def kind_kubeconfig(sim: SimCluster, path: Path) -> Path:
    data = yaml.safe_load(Path(sim.kubeconfig).read_text())
    data["contexts"][0]["name"] = data["current-context"] = "kind-meshtui"
    path.write_text(yaml.safe_dump(data))
    return path


def test_dashboard_forwards_and_prints_the_url(sim: SimCluster, fake_tools: FakeTools, tmp_path: Path) -> None:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "grafana", "namespace": "istio-system"},
            "spec": {"selector": {"app": "grafana"}, "ports": [{"name": "http", "port": 3000}]}}
    request = urllib.request.Request(sim.url + "/api/v1/namespaces/istio-system/services", method="POST",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()
    fake_tools.configure(port_forward_seconds=0.5)
    kubeconfig = kind_kubeconfig(sim, tmp_path / "kc")
    result = run_cli("--kubeconfig", str(kubeconfig), "dashboard", "grafana", "--port", "18123")
    assert result.returncode == 0, result.stderr
    assert "grafana: http://127.0.0.1:18123/" in result.stdout
    forward = fake_tools.calls("kubectl")[-1]
    assert forward[1:7] == ["--context", "kind-meshtui", "-n", "istio-system", "port-forward", "svc/grafana"]
    assert "18123:3000" in forward

    missing = run_cli("--kubeconfig", str(kubeconfig), "dashboard", "kiali")
    assert missing.returncode == 1 and "kiali is not installed" in missing.stderr and "istio.addons" in missing.stderr
    simulated = run_cli("--kubeconfig", str(sim.kubeconfig), "dashboard", "grafana")
    assert simulated.returncode == 1 and "simulated cluster" in simulated.stderr
    bad = run_cli("dashboard", "nope")
    assert bad.returncode == 2
