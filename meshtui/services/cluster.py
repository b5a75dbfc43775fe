"""Facts about the connected cluster: identity, Istio, health, ingress, and pod actions.

Backs the TUI header and Overview and `meshtui status`: which context and provider,
the LOCAL / SIMULATED / REMOTE badge, node and pod counts, Istio's version (read from
istiod's image), and a probe of the ingress gateway from the host.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import yaml

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for
from meshtui.domain.cluster import Provider
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.workloads import Health, health, node_summary, pod_summary
from meshtui.services.guard import Guard

SIM_INGRESS_ANNOTATION = "sim.meshtui.dev/ingress-url"


@dataclass(frozen=True)
class ClusterInfo:
    """What the header shows."""

    context: str
    cluster: str
    server: str
    provider: str
    badge: str
    reason: str
    kubernetes_version: str | None = None
    istio_version: str | None = None
    reachable: bool = True
    error: str | None = None


@dataclass(frozen=True)
class ProbeResult:
    """One HTTP request to the ingress gateway from this machine."""

    url: str | None
    ok: bool
    status: int | None = None
    latency_ms: float | None = None
    detail: str = ""


@dataclass
class StatusReport:
    """`meshtui status`: the same facts as the Overview, headless."""

    info: ClusterInfo
    nodes: int = 0
    nodes_ready: int = 0
    health: Health | None = None
    not_ready_pods: list[str] = field(default_factory=list)
    istio: bool = False
    ingress: ProbeResult | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"context": self.info.context, "cluster": self.info.cluster, "server": self.info.server,
                "provider": self.info.provider, "badge": self.info.badge, "reachable": self.info.reachable,
                "kubernetes_version": self.info.kubernetes_version, "istio": self.istio,
                "istio_version": self.info.istio_version, "nodes": {"total": self.nodes, "ready": self.nodes_ready},
                "pods": asdict(self.health) if self.health else None, "not_ready_pods": self.not_ready_pods,
                "ingress": asdict(self.ingress) if self.ingress else None, "error": self.info.error}
        return data


def istio_version_from_image(image: str) -> str | None:
    """`docker.io/istio/pilot:1.28.6` -> `1.28.6` (distroless suffixes dropped)."""
    if ":" not in image.rsplit("/", 1)[-1]:
        return None
    tag = image.rsplit(":", 1)[1].split("-")[0].split("@")[0]
    return tag or None


class ClusterService:
    """Reads cluster facts and performs guarded pod actions."""

    def __init__(self, kube: KubeClient, guard: Guard) -> None:
        self.kube = kube
        self.guard = guard

    def info(self) -> ClusterInfo:
        ctx, locality = self.kube.context, self.guard.locality
        base = ClusterInfo(ctx.name, ctx.cluster, ctx.server or self.kube.server, locality.provider.value,
                           locality.badge.value, locality.reason)
        try:
            version = self.kube.version().get("gitVersion")
        except MeshtuiError as exc:
            return replace(base, reachable=False, error=exc.message)
        return replace(base, kubernetes_version=version, istio_version=self.istio_version())

    def istio_version(self) -> str | None:
        try:
            pods = self.kube.get("/api/v1/namespaces/istio-system/pods", labelSelector="app=istiod")
        except KubeApiError:
            return None
        for pod in pods.get("items", []):
            for container in pod.get("spec", {}).get("containers", []):
                found = istio_version_from_image(container.get("image", ""))
                if found:
                    return found
        return None

    def ingress_url(self) -> str | None:
        """Where the ingress gateway answers from this machine, if anywhere."""
        try:
            svc = self.kube.get("/api/v1/namespaces/istio-system/services/istio-ingressgateway")
        except KubeApiError:
            return None
        annotations = svc.get("metadata", {}).get("annotations") or {}
        if annotations.get(SIM_INGRESS_ANNOTATION):
            return str(annotations[SIM_INGRESS_ANNOTATION])
        for entry in svc.get("status", {}).get("loadBalancer", {}).get("ingress") or []:
            host = entry.get("ip") or entry.get("hostname")
            if host:
                return f"http://{host}:80"
        if self.guard.locality.provider is Provider.KIND:
            for port in svc.get("spec", {}).get("ports", []):
                if port.get("name") in ("http2", "http") and port.get("nodePort"):
                    return f"http://127.0.0.1:{8080 if port['nodePort'] == 30080 else port['nodePort']}"
        return None

    def probe_ingress(self, path: str = "/api/healthz", timeout: float = 3.0) -> ProbeResult:
        url = self.ingress_url()
        if url is None:
            return ProbeResult(None, False, detail="no ingress gateway reachable from this machine "
                               "(kubectl -n istio-system port-forward svc/istio-ingressgateway 8080:80)")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url.rstrip("/") + path, timeout=timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            return ProbeResult(url, False, detail=f"no answer: {getattr(exc, 'reason', exc)}")
        latency = (time.monotonic() - started) * 1000
        return ProbeResult(url, status < 400, status, round(latency, 1), f"GET {path} -> {status}")

    def status(self, probe: bool = True) -> StatusReport:
        info = self.info()
        report = StatusReport(info)
        if not info.reachable:
            return report
        nodes = [node_summary(n) for n in self.kube.get("/api/v1/nodes").get("items", [])]
        pods = [pod_summary(p) for p in self.kube.get("/api/v1/pods").get("items", [])]
        try:
            warnings = len(self.kube.get("/api/v1/events", fieldSelector="type=Warning").get("items", []))
        except KubeApiError:
            warnings = 0
        report.nodes, report.nodes_ready = len(nodes), sum(1 for n in nodes if n.ready)
        report.health = health(pods, warnings)
        report.not_ready_pods = sorted(p.key for p in pods if not p.is_ready and p.status not in ("Succeeded", "Completed"))
        report.istio = info.istio_version is not None
        if probe and report.istio:
            report.ingress = self.probe_ingress()
        return report

    def describe(self, namespace: str, name: str, kind: str = "pods") -> str:
        """The object as YAML, minus the noise (managedFields)."""
        obj = self.kube.get(path_for("", "v1", kind, namespace, name))
        obj.get("metadata", {}).pop("managedFields", None)
        return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)

    def delete_pod(self, namespace: str, name: str) -> None:
        """Delete a pod (its controller replaces it); refused by the guard on remote clusters."""
        self.guard.check(f"delete pod {namespace}/{name}")
        self.kube.request("DELETE", path_for("", "v1", "pods", namespace, name))

    def namespaces(self) -> list[str]:
        return sorted(n["metadata"]["name"] for n in self.kube.get("/api/v1/namespaces").get("items", []))
