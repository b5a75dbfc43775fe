"""A simulated Kubernetes + Istio cluster that speaks the real Kubernetes HTTP API.

`meshtui demo` runs it so anyone can try meshtui in seconds; the test suite runs it so
every feature is exercised through kubeconfig + the official client (and real kubectl)
exactly as against kind. It models the API server (discovery, OpenAPI, CRUD, patches,
selectors, watches with resourceVersions and 410s, server-side Tables, validation and
Secret storage as Kubernetes does them), controllers and a kubelet, Istio sidecar
injection, an Envoy-logging traffic simulator and metrics.k8s.io. As the test oracle it
imports nothing from the rest of meshtui: where the product is wrong, the sim must not
agree with it.
"""

from meshtui.sim.runner import SimCluster, kubeconfig_yaml
from meshtui.sim.state import SimOptions

__all__ = ["SimCluster", "SimOptions", "kubeconfig_yaml"]
