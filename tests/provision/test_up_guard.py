"""`up` writes only to the cluster it may: a kubeconfig that points the provider's context elsewhere is refused.

kind's context name is `kind-NAME`, but the name proves nothing: here the user's
kubeconfig maps `kind-hijack` to a remote server (reached through a recording loopback
relay in front of a simulated cluster) while `kind get clusters` lists `hijack`. `up`
must stop with exit 3 before it writes anything there.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FakeTools, SimCluster, run_cli
from tests.fakes.relay import Relay, remote_kubeconfig


def test_up_refuses_a_remote_server_behind_the_providers_context(sim: SimCluster, fake_tools: FakeTools,
                                                                  tmp_path: Path) -> None:
    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    try:
        kubeconfig = remote_kubeconfig(tmp_path / "kubeconfig", relay, context="kind-hijack")
        fake_tools.configure(clusters=["hijack"])
        profile = tmp_path / "hijack.yaml"
        profile.write_text("cluster:\n  provider: kind\n  name: hijack\n  registry: {enabled: false}\n"
                           "  metrics_server: true\nistio: {enabled: false}\n")
        result = run_cli("up", "-p", str(profile), "--json", env={"KUBECONFIG": kubeconfig}, timeout=180)
        assert result.returncode == 3, result.stdout[-2000:] + result.stderr
        assert "REMOTE" in result.stderr and "prod.example.internal" in result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        # the only request is preflight's doctor reading /version of the current context; nothing is written
        assert relay.writes() == [] and {path for _method, path in relay.requests} <= {
            "http://prod.example.internal:6443/version"}
        assert ["kind", "create", "cluster"] not in [c[:3] for c in fake_tools.calls("kind")]
        # with --allow-remote the user takes responsibility: the steps reach the cluster (it has metrics-server)
        allowed = run_cli("up", "-p", str(profile), "--json", "--allow-remote", env={"KUBECONFIG": kubeconfig},
                          timeout=180)
        assert allowed.returncode == 0, allowed.stdout[-2000:] + allowed.stderr
        assert any(path.endswith("/namespaces/kube-system/deployments/metrics-server") for _m, path in relay.requests)
    finally:
        relay.close()
