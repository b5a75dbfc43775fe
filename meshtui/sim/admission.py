"""Admission in the simulated API server: defaulting and Istio's sidecar injector.

Runs on every create and update before validation, as the real defaulting and
mutating webhooks do: Deployments get replicas 1 and a RollingUpdate 25%/25% strategy;
Namespaces the `kubernetes.io/metadata.name` label and phase Active; Services a type,
a cluster IP and per-port protocol/targetPort; new Pods restartPolicy, schedulerName,
serviceAccountName, grace period and a Pending status - and, in namespaces labelled
`istio-injection=enabled` (unless the pod opts out), the `istio-init` and
`istio-proxy` containers with the labels and annotation Istio's injector adds.
"""

from __future__ import annotations

import json

from meshtui.sim.resources import ResourceType
from meshtui.sim.state import ISTIO_VERSION, SimState
from meshtui.sim.timefmt import now_iso

PROXY_IMAGE = f"docker.io/istio/proxyv2:{ISTIO_VERSION}"


class Admission:
    """Defaults and sidecar injection for one simulated cluster."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.store = state.store

    def admit(self, rt: ResourceType, obj: dict, old: dict | None) -> None:
        """The store's mutating admission hook."""
        if rt.kind == "Pod" and old is None:
            self._default_pod(obj)
        elif rt.kind == "Deployment":
            spec = obj.setdefault("spec", {})
            spec.setdefault("replicas", 1)
            spec.setdefault("strategy", {"type": "RollingUpdate",
                                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
            obj.setdefault("status", old.get("status", {}) if old else {})
        elif rt.kind == "Namespace":
            obj.setdefault("status", {"phase": "Active"})
            obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
        elif rt.kind == "Service" and old is None:
            spec = obj.setdefault("spec", {})
            spec.setdefault("type", "ClusterIP")
            if spec.get("clusterIP") != "None":
                ip = f"10.96.{self.state.rng.randrange(1, 250)}.{self.state.rng.randrange(2, 250)}"
                spec.setdefault("clusterIP", ip)
                spec.setdefault("clusterIPs", [spec["clusterIP"]])
            for port in spec.get("ports", []):
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))
            meta = obj["metadata"]
            if (meta.get("namespace"), meta.get("name")) == ("istio-system", "istio-ingressgateway") \
                    and self.state.ingress_url:
                # the simulated gateway's real listener, so `up` can probe it like a LoadBalancer
                meta.setdefault("annotations", {})["sim.meshtui.dev/ingress-url"] = self.state.ingress_url

    def _injected(self, pod: dict) -> bool:
        namespace = self.store.find(self.state.type("namespaces"), None, pod["metadata"].get("namespace", ""))
        labels = (namespace or {}).get("metadata", {}).get("labels", {})
        opt_out = {**pod["metadata"].get("labels", {}), **pod["metadata"].get("annotations", {})}
        return labels.get("istio-injection") == "enabled" and opt_out.get("sidecar.istio.io/inject") != "false"

    def _default_pod(self, pod: dict) -> None:
        spec = pod.setdefault("spec", {})
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        names = [c.get("name") for c in spec.get("containers", [])]
        if self._injected(pod) and "istio-proxy" not in names:
            meta = pod["metadata"]
            labels = meta.setdefault("labels", {})
            labels.setdefault("security.istio.io/tlsMode", "istio")
            labels.setdefault("service.istio.io/canonical-name", labels.get("app", meta.get("name", "")))
            labels.setdefault("service.istio.io/canonical-revision", labels.get("version", "latest"))
            meta.setdefault("annotations", {})["sidecar.istio.io/status"] = json.dumps(
                {"initContainers": ["istio-init"], "containers": ["istio-proxy"], "volumes": ["istio-envoy"]})
            spec.setdefault("initContainers", []).append(
                {"name": "istio-init", "image": PROXY_IMAGE, "args": ["istio-iptables", "-p", "15001", "-z", "15006"],
                 "resources": {"requests": {"cpu": "10m", "memory": "40Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}})
            spec.setdefault("containers", []).append(
                {"name": "istio-proxy", "image": PROXY_IMAGE, "args": ["proxy", "sidecar"],
                 "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
                 "resources": {"requests": {"cpu": "10m", "memory": "40Mi"}, "limits": {"cpu": "2", "memory": "1Gi"}}})
        pod["status"] = {"phase": "Pending", "qosClass": "Burstable",
                         "conditions": [{"type": "PodScheduled", "status": "False", "lastTransitionTime": now_iso()}]}
