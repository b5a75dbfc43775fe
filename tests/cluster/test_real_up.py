"""The real pipeline on a contributor's laptop: `pytest -m cluster` (deselected by default).

Needs Docker, kind, kubectl and istioctl on PATH and internet access for the node,
Istio and addon images. Creates the `default` profile's kind cluster (context
kind-meshtui, host ports 8080 and 5001), checks it end to end, then tears it down.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.cluster


@pytest.fixture(autouse=True)
def real_tools() -> None:
    missing = [t for t in ("docker", "kind", "kubectl", "istioctl") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"the cluster suite needs {', '.join(missing)} on PATH (./install.sh --tools fetches kind, "
                    "kubectl and istioctl)")


def test_real_up_status_routes_and_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    kubeconfig = os.environ.get("MESHTUI_CLUSTER_KUBECONFIG") or str(tmp_path / "kubeconfig")
    env = {"KUBECONFIG": kubeconfig}
    try:
        up = run_cli("up", "-p", "default", "--yes", "--json", env=env, timeout=3600)
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr
        events = [json.loads(line) for line in up.stdout.splitlines() if line.startswith("{")]
        assert any(e["event"] == "done" and e["step"] == "ingress" for e in events)
        status = run_cli("--context", "kind-meshtui", "status", "--json", env=env)
        assert status.returncode == 0 and json.loads(status.stdout)["ingress"]["ok"]
        shift = run_cli("--context", "kind-meshtui", "routes", "set", "catalog", "v1=50", "v2=50", "-n", "shop",
                        "--yes", env=env)
        assert shift.returncode == 0, shift.stderr
        again = run_cli("up", "-p", "default", "--yes", "--json", env=env, timeout=600)
        assert again.returncode == 0
    finally:
        down = run_cli("down", "-p", "default", "--yes", env=env, timeout=600)
    assert down.returncode == 0, down.stderr
    clusters = run_cli("--context", "kind-meshtui", "status", env=env)
    assert clusters.returncode != 0
