"""`up` remembers a cluster as "created by meshtui" only from what the provider itself reports.

Finding: with `--kubeconfig A.kc` naming `kind-hijack` -> a remote server, `up` recorded that
remote server as created (kind had written the real cluster to another file), and the guard
trusted it from then on. Here the fake `kind get kubeconfig` reports the cluster it made (a
local simulated cluster), the kubeconfig meshtui reads says otherwise (a remote server behind
a recording relay): nothing is recorded, nothing is sent, the step fails with the reason.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from meshtui.config.loader import load_profile_file
from meshtui.domain.secrets import Masker
from meshtui.services import state
from meshtui.services.provision.journal import Journal
from meshtui.services.provision.plan import workdir_for
from meshtui.services.provision.providers import provider_for
from meshtui.services.provision.steps import ProvisionEvent, StepContext, StepFailed
from meshtui.services.provision.steps_cluster import remember_created
from meshtui.sim.runner import kubeconfig_yaml
from tests.conftest import FakeTools, SimCluster
from tests.fakes.relay import Relay, remote_kubeconfig


def step_context(tmp_path: Path, kubeconfig: str, events: list[ProvisionEvent]):  # type: ignore[no-untyped-def]
    profile = tmp_path / "hijack.yaml"
    profile.write_text("cluster:\n  provider: kind\n  name: hijack\n  registry: {enabled: false}\n"
                       "istio: {enabled: false}\n")
    loaded = load_profile_file(profile)
    provider = provider_for(loaded.profile, workdir_for(loaded))

    def info():  # type: ignore[no-untyped-def]
        from meshtui.adapters.kubeconfig import resolve_context

        return resolve_context(kubeconfig, provider.context)

    ctx = StepContext(loaded, Journal.for_profile(loaded.name), events.append, Masker(), threading.Event(),
                      context_info=info, kubeconfig=kubeconfig)
    return ctx, loaded, provider


def test_a_remote_server_under_the_providers_context_name_is_never_recorded(
        sim: SimCluster, fake_tools: FakeTools, tmp_path: Path) -> None:
    fake_tools.configure(clusters=["hijack"], sim_url=sim.url)
    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    try:
        kubeconfig = remote_kubeconfig(tmp_path / "A.kc", relay, context="kind-hijack")
        events: list[ProvisionEvent] = []
        ctx, loaded, provider = step_context(tmp_path, kubeconfig, events)
        with pytest.raises(StepFailed, match="not at the cluster kind made"):
            remember_created(ctx, loaded, provider)
        assert state.created_clusters()[0] == ()
        assert relay.connections == 0
        assert ["kind", "get", "kubeconfig", "--name", "hijack"] in fake_tools.calls("kind")
    finally:
        relay.close()


def test_the_cluster_the_provider_made_is_recorded_by_server(sim: SimCluster, fake_tools: FakeTools,
                                                            tmp_path: Path) -> None:
    fake_tools.configure(clusters=["hijack"], sim_url=sim.url)
    path = tmp_path / "A.kc"
    path.write_text(kubeconfig_yaml(sim.url).replace("meshtui-sim", "kind-hijack"))
    events: list[ProvisionEvent] = []
    ctx, loaded, provider = step_context(tmp_path, str(path), events)
    remember_created(ctx, loaded, provider)
    created, _notice = state.created_clusters()
    assert [(c.context, c.identity.server) for c in created] == [("kind-hijack", sim.url)]


def test_a_remote_server_is_not_recorded_even_when_the_provider_cannot_tell(
        sim: SimCluster, fake_tools: FakeTools, tmp_path: Path) -> None:
    """minikube has no `get kubeconfig`: the address alone decides, and a remote one is never remembered."""
    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    try:
        kubeconfig = remote_kubeconfig(tmp_path / "A.kc", relay, context="hijack")
        profile = tmp_path / "mk.yaml"
        profile.write_text("cluster:\n  provider: minikube\n  name: hijack\n  registry: {enabled: false}\n"
                           "istio: {enabled: false}\n")
        loaded = load_profile_file(profile)
        provider = provider_for(loaded.profile, workdir_for(loaded))
        assert provider.context == "hijack"
        from meshtui.adapters.kubeconfig import resolve_context

        events: list[ProvisionEvent] = []
        ctx = StepContext(loaded, Journal.for_profile(loaded.name), events.append, Masker(), threading.Event(),
                          context_info=lambda: resolve_context(kubeconfig, "hijack"), kubeconfig=kubeconfig)
        remember_created(ctx, loaded, provider)
        assert state.created_clusters()[0] == ()
        assert any("not remembered as created" in e.text for e in events)
        assert relay.connections == 0
    finally:
        relay.close()


def test_every_tool_reads_the_kubeconfig_the_guard_judged(sim: SimCluster, fake_tools: FakeTools,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--kubeconfig local.kc` with `KUBECONFIG=remote.kc`: kubectl and istioctl get local.kc (review #2)."""
    import json

    from meshtui.services.provision.service import Provisioner

    local = tmp_path / "local.kc"
    local.write_text(kubeconfig_yaml(sim.url).replace("meshtui-sim", "kind-hijack"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "remote.kc"))
    profile = tmp_path / "hijack.yaml"
    profile.write_text("cluster:\n  provider: kind\n  name: hijack\n  registry: {enabled: false}\n"
                       "istio: {enabled: false}\n")
    provisioner = Provisioner(load_profile_file(profile), Masker(), None, str(local))
    assert provisioner.tool_kubeconfig() == str(local)
    ctx = provisioner._context(lambda _event: None, None)
    ctx.command("istio", ["istioctl", "version", "--remote=false"], timeout=60, cluster=True)
    ctx.command("metrics-server", ["kubectl", "version", "--client"], timeout=60)
    rows = [json.loads(line) for line in (fake_tools.state_dir / "calls.jsonl").read_text().splitlines()]
    assert {row["tool"]: row["kubeconfig"] for row in rows} == {"istioctl": str(local), "kubectl": str(local)}
    ctx.reset_kube()


def test_a_cluster_tool_on_a_remote_context_is_refused_before_it_runs(sim: SimCluster, fake_tools: FakeTools,
                                                                     tmp_path: Path) -> None:
    from meshtui.domain.errors import GuardRefused
    from meshtui.services.provision.service import Provisioner

    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    try:
        kubeconfig = remote_kubeconfig(tmp_path / "A.kc", relay, context="kind-hijack")
        profile = tmp_path / "hijack.yaml"
        profile.write_text("cluster:\n  provider: kind\n  name: hijack\n  registry: {enabled: false}\n"
                           "istio: {enabled: false}\n")
        ctx = Provisioner(load_profile_file(profile), Masker(), None, kubeconfig)._context(lambda _e: None, None)
        with pytest.raises(GuardRefused, match="REMOTE"):
            ctx.command("istio", ["istioctl", "install", "-y", "--context", "kind-hijack"], timeout=60, cluster=True)
        assert fake_tools.calls("istioctl") == [] and relay.connections == 0
    finally:
        relay.close()


def test_preflight_judges_the_kubeconfig_up_uses_and_never_contacts_a_remote_context(
        sim: SimCluster, tmp_path: Path) -> None:
    """`up`'s preflight reads --kubeconfig (not $KUBECONFIG) and sends nothing, runs no plugin, to a remote context."""
    from meshtui.services.doctor import DoctorOptions, check_context

    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    try:
        kubeconfig = remote_kubeconfig(tmp_path / "A.kc", relay, context="kind-hijack")
        check = check_context(DoctorOptions(None, kubeconfig=kubeconfig, contact_remote=False))
        assert "kind-hijack (REMOTE" in check.reason and "not contacted" in check.reason
        assert relay.connections == 0
        contacted = check_context(DoctorOptions(None, kubeconfig=kubeconfig))  # `meshtui doctor` itself may read
        assert "Kubernetes" in contacted.reason and relay.connections > 0
    finally:
        relay.close()
