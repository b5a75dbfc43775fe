"""The Istio half of the plan: `istioctl install` (linted overlay, kind NodePort), addons, ingress check."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from meshtui.adapters import process
from meshtui.config import paths, safe_yaml
from meshtui.domain.errors import ProfileError
from meshtui.services.provision.manifests import Applier, deployment_ready, read_manifests, wait_deployments
from meshtui.services.provision.providers import Provider, SimProvider
from meshtui.services.provision.steps import Step, StepContext, StepFailed

if TYPE_CHECKING:
    from meshtui.config.loader import LoadedProfile

INGRESS_TIMEOUT = 90.0


def ingress_overlay(node_port: int) -> dict:
    """kind has no LoadBalancer: pin the gateway's http2 NodePort (keeping status-port, which the list replaces)."""
    ports = [{"name": "status-port", "port": 15021, "targetPort": 15021},
             {"name": "http2", "port": 80, "targetPort": 8080, "nodePort": node_port},
             {"name": "https", "port": 443, "targetPort": 8443}]
    return {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
            "spec": {"components": {"ingressGateways": [{"name": "istio-ingressgateway", "enabled": True,
                                                         "k8s": {"service": {"type": "NodePort", "ports": ports}}}]}}}


def _overlay_sets_ingress(path: Path) -> bool:
    try:
        doc = safe_yaml.load_file(path)[1] or {}
    except ProfileError:
        return False  # preflight's lint of the overlay reports the problem with its line
    spec = doc.get("spec") if isinstance(doc, dict) else None
    components = spec.get("components") if isinstance(spec, dict) else None
    return isinstance(components, dict) and bool(components.get("ingressGateways"))


def istio(loaded: LoadedProfile, provider: Provider) -> Step:
    spec = loaded.profile.istio
    workdir = provider.workdir
    overlay = loaded.resolve(spec.overlay) if spec.overlay else None
    nodeport_file = workdir / "istio-ingress-nodeport.yaml"
    add_nodeport = provider.name == "kind" and not (overlay and _overlay_sets_ingress(overlay))
    sim_manifest = paths.assets_dir() / "sim" / "istio.yaml"
    argv = ["istioctl", "install", "-y", "--context", provider.context, "--set", f"profile={spec.profile}"]
    if overlay:
        argv += ["-f", str(overlay)]
    if add_nodeport:
        argv += ["-f", str(nodeport_file)]
    argv += ["--readiness-timeout", "5m"]
    gateways = [("istio-system", "istiod")] + ([("istio-system", "istio-ingressgateway")]
                                               if spec.profile not in ("minimal", "empty", "remote") else [])

    def check(ctx: StepContext) -> bool:
        applier = Applier(ctx.kube)
        return all(deployment_ready(applier.get("apps/v1", "Deployment", ns, name))[0] for ns, name in gateways)

    def run(ctx: StepContext) -> str:
        if isinstance(provider, SimProvider):
            applier = Applier(ctx.kube)
            for _source, obj in read_manifests(sim_manifest):
                applier.apply(obj)
        else:
            if add_nodeport:
                nodeport_file.parent.mkdir(parents=True, exist_ok=True)
                nodeport_file.write_text(yaml.safe_dump(ingress_overlay(spec.ingress_node_port), sort_keys=False))
            ctx.command("istio", argv, timeout=600)
        wait_deployments(ctx, "istio", gateways, timeout=300)
        return f"Istio ({spec.profile} profile)"

    def describe() -> list[str]:
        if isinstance(provider, SimProvider):
            return [f"apply {sim_manifest}   (the simulator's istiod and gateways)",
                    "wait for deployments " + ", ".join(f"{n}/{d}" for n, d in gateways)]
        lines = []
        if add_nodeport:
            lines += [f"write {nodeport_file}:", *("    " + line for line in yaml.safe_dump(
                ingress_overlay(spec.ingress_node_port), sort_keys=False).rstrip().splitlines())]
        return [*lines, "$ " + " ".join(argv), "wait for deployments " + ", ".join(f"{n}/{d}" for n, d in gateways)]

    return Step("istio", f"Istio, {spec.profile} profile" + (f" + {overlay.name}" if overlay else ""), run, check,
                describe=describe, needs=("cluster",),
                hint="`istioctl x precheck` explains most install failures; `meshtui istio lint` checks the overlay")


def samples_dir() -> Path | None:
    """The Istio release's samples/addons: $ISTIO_HOME, or beside the istioctl found on PATH."""
    candidates = []
    if os.environ.get("ISTIO_HOME"):
        candidates.append(Path(os.environ["ISTIO_HOME"]) / "samples" / "addons")
    found = process.which("istioctl")
    if found:
        candidates.append(Path(os.path.realpath(found)).parent.parent / "samples" / "addons")
    return next((c for c in candidates if c.is_dir()), None)


def addons(loaded: LoadedProfile, provider: Provider) -> Step:
    names = list(loaded.profile.istio.addons)
    sim = isinstance(provider, SimProvider)

    def files() -> list[Path]:
        if sim:
            return [paths.assets_dir() / "sim" / f"addon-{n}.yaml" for n in names]
        base = samples_dir()
        return [base / f"{n}.yaml" for n in names] if base else []

    def check(ctx: StepContext) -> bool:
        applier = Applier(ctx.kube)
        return all(applier.get("apps/v1", "Deployment", "istio-system", n) for n in names)

    def run(ctx: StepContext) -> str:
        found = files()
        if not found:
            ctx.say("addons", "samples/addons not found (set ISTIO_HOME to the unpacked Istio release); skipped")
            return "skipped: no samples/addons"
        applier = Applier(ctx.kube)
        for file in found:
            if not file.exists():
                raise StepFailed(f"{file} is missing from the Istio release")
            for _source, obj in read_manifests(file):
                obj.setdefault("metadata", {}).setdefault("namespace", "istio-system")
                applier.apply(obj)
            ctx.say("addons", f"applied {file.name}")
        wait_deployments(ctx, "addons", [("istio-system", n) for n in names], timeout=300)
        return ", ".join(names)

    def describe() -> list[str]:
        found = files()
        if not found:
            return [f"apply $ISTIO_HOME/samples/addons/{{{','.join(names)}}}.yaml   (skipped when not found)"]
        return [f"apply {f}" for f in found] + ["wait for deployments " + ", ".join(f"istio-system/{n}" for n in names)]

    return Step("addons", "monitoring addons: " + ", ".join(names), run, check, describe=describe, needs=("istio",),
                hint="offline, addon images must be loaded on the nodes first")


def ingress_check(loaded: LoadedProfile, provider: Provider, needs: tuple[str, ...]) -> Step:
    path = "/api/healthz"

    def run(ctx: StepContext) -> str:
        from meshtui.services.cluster import ClusterService
        from meshtui.services.guard import Guard

        service = ClusterService(ctx.kube, Guard.for_client(ctx.kube))  # reads only; the guard gives the provider
        deadline, result = time.monotonic() + INGRESS_TIMEOUT, None
        while time.monotonic() < deadline and not ctx.cancel.is_set():
            result = service.probe_ingress(path)
            if result.ok:
                ctx.say("ingress", f"{result.url}{path} -> {result.status} in {result.latency_ms} ms")
                return f"{result.url}{path} -> {result.status}"
            time.sleep(0.5)
        detail = result.detail if result else "cancelled"
        hint = (f"minikube: run `minikube tunnel -p {loaded.profile.cluster.name}`" if provider.name == "minikube"
                else "is the gateway's NodePort mapped to the host (cluster.ports)? `meshtui status` shows the probe")
        raise StepFailed(f"GET {path} through the ingress gateway failed: {detail}", hint=hint)

    return Step("ingress", f"GET {path} through the ingress gateway", run, describe=lambda: [
        f"GET http://<ingress gateway>{path}, expect 2xx/3xx within {INGRESS_TIMEOUT:g}s"], needs=needs)
