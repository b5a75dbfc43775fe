"""The cluster half of the plan: preflight, local registry, cluster, metrics-server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meshtui.adapters import docker_images
from meshtui.services.provision import ownership
from meshtui.services.provision.manifests import Applier, deployment_ready, wait_deployments
from meshtui.services.provision.providers import REGISTRY_HOSTS_DIR, KindProvider, Provider, SimProvider
from meshtui.services.provision.steps import ProvisionEvent, Step, StepContext, StepFailed

if TYPE_CHECKING:
    from meshtui.config.loader import LoadedProfile
    from meshtui.services.state import ContainerRecord



def preflight(loaded: LoadedProfile) -> Step:
    overlay = loaded.profile.istio.overlay if loaded.profile.istio.enabled else None

    def run(ctx: StepContext) -> str:
        from meshtui.domain.checks import Status
        from meshtui.services.doctor import DoctorOptions, run_doctor

        # the kubeconfig every step and tool uses; a context that is not local is judged, never contacted
        checks = run_doctor(DoctorOptions(loaded, kubeconfig=ctx.kubeconfig or None, contact_remote=False),
                            ctx.docker)
        registry_port = loaded.profile.cluster.registry.port
        ours = bool(ctx.journal.created.cluster)
        blocking = [c for c in checks if c.status == Status.FAIL
                    and not (c.name.startswith("port ") and (ours or (c.name == f"port {registry_port}"
                                                                      and docker_images.registry_answers(registry_port))))]
        for check in checks:
            ctx.say("preflight", f"{check.status.value:<4}  {check.name}: {check.reason}")
        if blocking:
            first = blocking[0]
            raise StepFailed(f"{len(blocking)} check(s) failed, first: {first.name}: {first.reason}", hint=first.fix)
        if overlay is not None:
            from meshtui.services.istio_lint import lint_file

            report = lint_file(loaded.resolve(overlay))
            for finding in report.findings:
                ctx.say("preflight", f"istio overlay: {finding.kind} {finding.path}: {finding.summary}")
            if report.blocking:
                raise StepFailed(f"the Istio overlay has {len(report.blocking)} field(s) istioctl rejects",
                                 hint=f"meshtui istio lint {report.path} --fix modern.yaml")
        return f"{len(checks)} checks passed or warned"

    describe = [f"meshtui doctor -p {loaded.name}"]
    if overlay is not None:
        describe.append(f"meshtui istio lint {loaded.resolve(overlay)}")
    return Step("preflight", "check tools, Docker, ports and the Istio overlay", run, describe=lambda: describe,
                hint=f"meshtui doctor -p {loaded.name}")


def registry(loaded: LoadedProfile) -> Step:
    spec = loaded.profile.cluster.registry

    def check(ctx: StepContext) -> bool:
        return docker_images.registry_answers(spec.port)

    def run(ctx: StepContext) -> str:
        outcome = docker_images.run_registry(ctx.docker, spec.name, spec.port, spec.image)
        if outcome == "created":  # by ID and creation time: `down` never removes another container of this name
            made = ctx.docker.container_identity(spec.name)
            ctx.journal.record(registry=spec.name, registry_container=ownership.record_of(made) if made else None)
        ctx.say("registry", f"{outcome} container {spec.name} on 127.0.0.1:{spec.port}")
        import time

        deadline = time.monotonic() + 30
        while not docker_images.registry_answers(spec.port):
            if time.monotonic() > deadline:
                raise StepFailed(f"the registry on 127.0.0.1:{spec.port} does not answer")
            time.sleep(0.3)
        return f"localhost:{spec.port}"

    return Step("registry", f"local registry {spec.name} on 127.0.0.1:{spec.port}", run, check,
                describe=lambda: [f"skip when http://127.0.0.1:{spec.port}/v2/ already answers",
                                  "$ " + " ".join(docker_images.run_registry_argv(spec.name, spec.port, spec.image))],
                needs=("preflight",), hint="is Docker running? `docker ps`")


def _hosts_toml(loaded: LoadedProfile) -> str:
    spec = loaded.profile.cluster.registry
    return f'[host."http://{spec.name}:5000"]\n'


def _wire_registry(ctx: StepContext, loaded: LoadedProfile, provider: KindProvider) -> None:
    """kind's registry recipe: hosts.toml on every node, registry on the kind network, KEP-1755 ConfigMap."""
    spec = loaded.profile.cluster.registry
    path = f"{REGISTRY_HOSTS_DIR}/localhost:{spec.port}/hosts.toml"
    for node in provider.nodes(ctx, "cluster"):
        docker_images.write_file(ctx.docker, node, path, _hosts_toml(loaded))
        ctx.say("cluster", f"{node}: wrote {path}")
    if ctx.journal.created.registry == spec.name:
        if docker_images.connect_network(ctx.docker, "kind", spec.name):
            ctx.say("cluster", f"connected {spec.name} to the kind network")
    else:
        ctx.say("cluster", f"the registry on 127.0.0.1:{spec.port} is not a container meshtui started: nodes reach it "
                           f"only if it is on the `kind` network as {spec.name}:5000")
    Applier(ctx.kube).apply(_registry_configmap(loaded))


def _registry_configmap(loaded: LoadedProfile) -> dict:
    port = loaded.profile.cluster.registry.port
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "local-registry-hosting",
                                                                  "namespace": "kube-public"},
            "data": {"localRegistryHosting.v1": f'host: "localhost:{port}"\n'
                                                'help: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n'}}


def remember_created(ctx: StepContext, loaded: LoadedProfile, provider: Provider,
                     nodes: list[ContainerRecord] | None = None) -> None:
    """Record the cluster just made as meshtui's, from what the provider itself reports, never a name.

    The kubeconfig's context must reach the very cluster the provider made (kind: the server and
    CA of `kind get kubeconfig`), and its address must be local by the guard's address rules alone
    (no earlier record, no pin): a context the user's kubeconfig points elsewhere is never
    remembered, so the guard never trusts it for being "created by meshtui".
    """
    from meshtui.adapters.kubeconfig import read_text_config
    from meshtui.domain.cluster import cluster_identity
    from meshtui.services import state
    from meshtui.services.guard import Guard

    assert ctx.context_info is not None
    info = ctx.context_info()
    identity = cluster_identity(info)
    own = provider.own_kubeconfig(ctx)
    if own is not None:
        theirs = cluster_identity(read_text_config(own, f"`{provider.name} get kubeconfig`").context(info.name))
        if theirs != identity:
            raise StepFailed(f"context {info.name!r} in {ctx.kubeconfig or 'the kubeconfig'} points at {info.server}, "
                             f"not at the cluster {provider.name} made ({theirs.server}); nothing was written to it",
                             hint=f"rename or remove the other {info.name!r} entry (kubectl config delete-context), "
                                  "then run up again")
    locality = Guard.for_context(info, created=(), pins=()).locality
    if not locality.is_local:
        ctx.emit(ProvisionEvent("notice", "cluster", ctx.masker.mask(
            f"context {info.name!r} is not remembered as created by meshtui: {locality.reason}")))
        return
    notice = state.record_created(provider.context, identity, loaded.name, nodes)
    if notice:
        ctx.emit(ProvisionEvent("notice", "cluster", ctx.masker.mask(notice)))


def cluster(loaded: LoadedProfile, provider: Provider, needs: tuple[str, ...]) -> Step:
    wire = isinstance(provider, KindProvider) and loaded.profile.cluster.registry.enabled

    def check(ctx: StepContext) -> bool:
        from meshtui.services import state

        if not provider.exists(ctx):
            return False
        record = None if ctx.journal.created.cluster else state.created_record(loaded.name, provider.context)
        if record is not None:
            # the journal was lost but meshtui's record says this cluster is ours: `down` must still know it
            ctx.journal.record(cluster=loaded.profile.cluster.name, context=provider.context, nodes=record.nodes)
        return True

    def run(ctx: StepContext) -> str:
        provider.create(ctx, "cluster")
        nodes = ownership.node_records(ctx.docker, provider)  # by ID: `down` never deletes a same-named stranger
        ctx.journal.record(cluster=loaded.profile.cluster.name, context=provider.context, nodes=nodes)
        ctx.reset_kube()
        if ctx.context_info is not None:  # remembered by server + CA, so the guard knows it as ours
            remember_created(ctx, loaded, provider, nodes)
        if wire:
            _wire_registry(ctx, loaded, provider)  # type: ignore[arg-type]
        return f"context {provider.context}"

    def describe() -> list[str]:
        lines = [f"skip when the {provider.name} cluster {loaded.profile.cluster.name!r} already exists",
                 *provider.describe_create()]
        if wire:
            port = loaded.profile.cluster.registry.port
            lines += [f"on every node: write {REGISTRY_HOSTS_DIR}/localhost:{port}/hosts.toml: "
                      f"{_hosts_toml(loaded).strip()}",
                      f"$ docker network connect kind {loaded.profile.cluster.registry.name}   "
                      "(when meshtui started the registry)",
                      "apply v1 ConfigMap/local-registry-hosting -n kube-public"]
        return lines

    return Step("cluster", f"{provider.name} cluster {loaded.profile.cluster.name} (context {provider.context})",
                run, check, describe=describe, needs=needs,
                hint="`meshtui doctor` lists what the machine lacks; `meshtui down` then `up` starts over")


def metrics_server(loaded: LoadedProfile, provider: Provider) -> Step:
    from meshtui.services.provision import metrics

    commands = metrics.metrics_commands(provider.name, provider.context, loaded.profile.cluster.name)

    def check(ctx: StepContext) -> bool:
        return deployment_ready(Applier(ctx.kube).get("apps/v1", "Deployment", "kube-system", "metrics-server"))[0]

    def run(ctx: StepContext) -> str:
        if isinstance(provider, SimProvider):
            metrics.apply_sim_manifest(ctx.kube, lambda text: ctx.say("metrics-server", text))
        for argv, limit in commands:
            ctx.command("metrics-server", argv, timeout=limit, cluster=True)
        wait_deployments(ctx, "metrics-server", metrics.TARGET, timeout=300)
        return "metrics.k8s.io served"

    def describe() -> list[str]:
        sim = [f"apply {metrics.SIM_MANIFEST}"] if isinstance(provider, SimProvider) else []
        return [*sim, *("$ " + " ".join(argv) for argv, _limit in commands), "wait for deployment kube-system/metrics-server"]

    return Step("metrics-server", "metrics-server (pod CPU/memory for usage and kubectl top)", run, check,
                describe=describe, needs=("cluster",),
                hint="offline? metrics-server's image must be on the nodes first (kind load docker-image)")
