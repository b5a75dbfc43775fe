"""The cluster the simulator starts with: kind-like nodes, kube-system, Istio and the shop.

The shop is loaded from `assets/apps/shop/*.yaml`, the very manifests `meshtui up`
applies to a real cluster, so the simulated call graph (storefront -> catalog v1/v2/v3
-> ratings v1/v2, orders -> mysql) is read from the same Deployments' environment
(UPSTREAMS, LATENCY_MS, ERROR_RATE) the real Go service reads.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import sys
import uuid
from pathlib import Path

import yaml

from meshtui.sim import resources
from meshtui.sim.controllers import Controllers
from meshtui.sim.state import CLUSTER_NAME, ISTIO_VERSION, KUBE_VERSION, SimState

SHOP_NAMESPACE = "shop"
SIM_INGRESS_ANNOTATION = "sim.meshtui.dev/ingress-url"


def shop_manifests() -> Path:
    """`assets/apps/shop`: under $MESHTUI_ASSETS_DIR, beside the package in a checkout, or in <prefix>/share."""
    override = os.environ.get("MESHTUI_ASSETS_DIR")
    checkout = Path(__file__).resolve().parents[2] / "assets"
    if override:
        assets = Path(override)
    else:
        assets = checkout if checkout.is_dir() else Path(sys.prefix) / "share" / "meshtui" / "assets"
    return assets / "apps" / "shop"


def node_names(workers: int) -> list[str]:
    names = [f"{CLUSTER_NAME}-control-plane"]
    names += [f"{CLUSTER_NAME}-worker{'' if i == 0 else i + 1}" for i in range(workers)]
    return names


def _id(name: str, what: str) -> uuid.UUID:
    return uuid.UUID(bytes=hashlib.sha256(f"{name}/{what}".encode()).digest()[:16], version=4)


def _node(name: str, index: int, control_plane: bool) -> dict:
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
    capacity = {"cpu": "4", "memory": "8148236Ki", "pods": "110", "ephemeral-storage": "102626232Ki"}
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"podCIDR": f"10.244.{index}.0/24", "providerID": f"kind://docker/{CLUSTER_NAME}/{name}"},
            "status": {"capacity": capacity, "allocatable": dict(capacity),
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status"},
                                      {"type": "MemoryPressure", "status": "False"},
                                      {"type": "DiskPressure", "status": "False"},
                                      {"type": "PIDPressure", "status": "False"}],
                       "addresses": [{"type": "InternalIP", "address": f"172.18.0.{index + 2}"},
                                     {"type": "Hostname", "address": name}],
                       "nodeInfo": {"kubeletVersion": KUBE_VERSION, "containerRuntimeVersion": "containerd://2.1.3",
                                    "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.8.0",
                                    "architecture": "amd64", "operatingSystem": "linux", "kubeProxyVersion": "",
                                    # NodeSystemInfo's ids have no omitempty: a real node always carries them
                                    "machineID": _id(name, "machine").hex, "systemUUID": str(_id(name, "system")),
                                    "bootID": str(_id(name, "boot"))}}}


def _deployment(name: str, namespace: str, labels: dict, containers: list[dict], replicas: int = 1,
                annotations: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels), "annotations": annotations or {}},
                                  "spec": {"containers": containers}}}}


def _container(name: str, image: str, cpu: str = "10m", memory: str = "64Mi", **extra: object) -> dict:
    return {"name": name, "image": image, "resources": {"requests": {"cpu": cpu, "memory": memory}}, **extra}


class MeshBuilder:
    """Creates objects through the store as a client would, so every hook runs."""

    def __init__(self, state: SimState, controllers: Controllers) -> None:
        self.state = state
        self.ctl = controllers
        self.store = state.store

    def create(self, obj: dict) -> dict:
        rt = resources.by_kind(obj["apiVersion"], obj["kind"])
        assert rt is not None, obj["kind"]
        namespace = obj.get("metadata", {}).get("namespace")
        return self.store.create(rt, namespace, obj, namespaces=self.state.type("namespaces"))

    def namespace(self, name: str, labels: dict | None = None) -> None:
        self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}})

    def nodes(self) -> None:
        for i, name in enumerate(node_names(self.state.options.workers)):
            self.create({"apiVersion": "v1", "kind": "Node", **_node(name, i, i == 0)})

    def static_pod(self, namespace: str, name: str, node: str, container: dict, labels: dict,
                   owner: dict | None = None) -> None:
        meta: dict = {"name": name, "namespace": namespace, "labels": labels}
        if owner:
            meta["ownerReferences"] = [owner]
        self.create({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                     "spec": {"nodeName": node, "containers": [container], "priorityClassName": "system-node-critical"}})

    def kube_system(self) -> None:
        nodes = node_names(self.state.options.workers)
        control = nodes[0]
        for component, image, cpu in (("etcd", "registry.k8s.io/etcd:3.5.16-0", "100m"),
                                      ("kube-apiserver", f"registry.k8s.io/kube-apiserver:{KUBE_VERSION}", "250m"),
                                      ("kube-controller-manager", f"registry.k8s.io/kube-controller-manager:{KUBE_VERSION}", "200m"),
                                      ("kube-scheduler", f"registry.k8s.io/kube-scheduler:{KUBE_VERSION}", "100m")):
            self.static_pod("kube-system", f"{component}-{control}", control, _container(component, image, cpu, "100Mi"),
                            {"component": component, "tier": "control-plane"},
                            {"apiVersion": "v1", "kind": "Node", "name": control, "uid": "node-" + control,
                             "controller": True})
        for daemon, image in (("kube-proxy", f"registry.k8s.io/kube-proxy:{KUBE_VERSION}"),
                              ("kindnet", "docker.io/kindest/kindnetd:v20250512-df8de77b")):
            ds_owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": daemon, "uid": f"ds-{daemon}",
                        "controller": True}
            for node in nodes:
                suffix = "".join(self.state.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
                self.static_pod("kube-system", f"{daemon}-{suffix}", node, _container(daemon, image, "100m", "50Mi"),
                                {"k8s-app": daemon}, ds_owner)
        self.create(_deployment("coredns", "kube-system", {"k8s-app": "kube-dns"},
                                [_container("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", "100m", "70Mi")], 2))
        self.create(_deployment("local-path-provisioner", "local-path-storage", {"app": "local-path-provisioner"},
                                [_container("local-path-provisioner",
                                            "docker.io/kindest/local-path-provisioner:v20250214-acbabc1a")]))
        if self.state.options.metrics:
            self.create(_deployment("metrics-server", "kube-system", {"k8s-app": "metrics-server"},
                                    [_container("metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.8.0",
                                                "100m", "200Mi", args=["--kubelet-insecure-tls"])]))

    def istio(self) -> None:
        proxy = f"docker.io/istio/proxyv2:{ISTIO_VERSION}"
        no_inject = {"sidecar.istio.io/inject": "false"}
        self.create(_deployment("istiod", "istio-system", {"app": "istiod", "istio": "pilot", "istio.io/rev": "default"},
                                [_container("discovery", f"docker.io/istio/pilot:{ISTIO_VERSION}", "10m", "100Mi",
                                            ports=[{"containerPort": 15012}])], annotations=no_inject))
        for gw in ("ingressgateway", "egressgateway"):
            labels = {"app": f"istio-{gw}", "istio": gw, **no_inject}
            self.create(_deployment(f"istio-{gw}", "istio-system", labels,
                                    [_container("istio-proxy", proxy, "10m", "40Mi",
                                                ports=[{"containerPort": 8080}, {"containerPort": 15021}])]))
        self.create({"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": "istiod", "namespace": "istio-system", "labels": {"app": "istiod"}},
                     "spec": {"selector": {"app": "istiod"}, "ports": [{"name": "grpc-xds", "port": 15010},
                                                                        {"name": "https-dns", "port": 15012},
                                                                        {"name": "https-webhook", "port": 443}]}})
        annotations = {SIM_INGRESS_ANNOTATION: self.state.ingress_url} if self.state.ingress_url else {}
        self.create({"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system",
                                  "labels": {"app": "istio-ingressgateway", "istio": "ingressgateway"},
                                  "annotations": annotations},
                     "spec": {"type": "LoadBalancer", "selector": {"istio": "ingressgateway"},
                              "ports": [{"name": "status-port", "port": 15021, "targetPort": 15021, "nodePort": 31021},
                                        {"name": "http2", "port": 80, "targetPort": 8080, "nodePort": 30080},
                                        {"name": "https", "port": 443, "targetPort": 8443, "nodePort": 30443}]},
                     "status": {"loadBalancer": {}}})

    def apply_manifests(self, directory: Path, namespace: str) -> None:
        for file in sorted(directory.glob("*.yaml")):
            for doc in yaml.safe_load_all(file.read_text()):
                if not doc:
                    continue
                doc = copy.deepcopy(doc)
                doc.setdefault("metadata", {})["namespace"] = namespace
                self.create(doc)

    def shop(self) -> None:
        self.namespace(SHOP_NAMESPACE, {"istio-injection": "enabled"})
        values = {"DATABASE_URL": "mysql://root:shop-local-pw@mysql:3306/shop", "JWT_SECRET": "local-dev-jwt-secret",
                  "MYSQL_ROOT_PASSWORD": "shop-local-pw"}
        self.create({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": "shop-env", "namespace": SHOP_NAMESPACE},
                     "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}})
        self.apply_manifests(shop_manifests(), SHOP_NAMESPACE)
        for host, versions in (("catalog", ["v1", "v2", "v3"]), ("ratings", ["v1", "v2"])):
            self.create({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                         "metadata": {"name": host, "namespace": SHOP_NAMESPACE},
                         "spec": {"host": host, "subsets": [{"name": v, "labels": {"version": v}} for v in versions]}})
            self.create({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                         "metadata": {"name": host, "namespace": SHOP_NAMESPACE},
                         "spec": {"hosts": [host], "http": [{"name": "primary", "route": [
                             {"destination": {"host": host, "subset": "v1"}, "weight": 100}]}]}})

    def build(self) -> None:
        """The whole default cluster."""
        for name in ("default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"):
            self.namespace(name)
        self.nodes()
        self.kube_system()
        if self.state.options.mesh:
            self.namespace("istio-system")
            self.istio()
            self.shop()
