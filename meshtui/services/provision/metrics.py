"""metrics-server, installed the way each provider wants it: by `up` and by the Resources panel's `m`.

kind and other clusters get the pinned upstream manifest plus `--kubelet-insecure-tls`
(kind's kubelets serve self-signed certificates); minikube its addon; the simulator
its stand-in Deployment. `metrics_commands` is the one list both callers run (the
`up` step streams them into its log), and both wait for the rollout the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from meshtui.adapters import process
from meshtui.config import paths
from meshtui.domain.cluster import Badge
from meshtui.domain.errors import MeshtuiError
from meshtui.services.provision.manifests import Applier, read_manifests, wait_rollouts

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient
    from meshtui.services.guard import Guard

METRICS_SERVER_URL = "https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.8.0/components.yaml"
METRICS_PATCH = '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]'
SIM_MANIFEST = paths.assets_dir() / "sim" / "metrics-server.yaml"
TARGET = [("kube-system", "metrics-server")]


def metrics_commands(provider: str, context: str, minikube_profile: str) -> list[tuple[list[str], float]]:
    """(argv, timeout) of the tool calls that install metrics-server; none for the simulator (SIM_MANIFEST)."""
    if provider == "sim":
        return []
    if provider == "minikube":
        return [(["minikube", "addons", "enable", "metrics-server", "-p", minikube_profile], 300.0)]
    return [(["kubectl", "--context", context, "apply", "-f", METRICS_SERVER_URL], 120.0),
            (["kubectl", "--context", context, "-n", "kube-system", "patch", "deployment", "metrics-server",
              "--type=json", "-p", METRICS_PATCH], 60.0)]


def apply_sim_manifest(kube: KubeClient, on_line: Callable[[str], None]) -> None:
    applier = Applier(kube)
    for _source, obj in read_manifests(SIM_MANIFEST):
        applier.apply(obj)
        on_line(f"applied {obj['kind']}/{obj['metadata']['name']}")


def install_metrics_server(kube: KubeClient, guard: Guard, on_line: Callable[[str], None],
                           cancel: threading.Event | None = None, timeout: float = 300.0) -> None:
    """Install and wait; raises GuardRefused on a remote or read-only context, MeshtuiError on failure."""
    guard.check("installing metrics-server")
    context = kube.context.name
    provider = "sim" if guard.locality.badge == Badge.SIMULATED else guard.locality.provider.value
    if provider == "sim":
        apply_sim_manifest(kube, on_line)
    for argv, limit in metrics_commands(provider, context, context):
        on_line("$ " + " ".join(argv))
        result = process.stream(argv, timeout=limit, cancel=cancel, on_line=lambda _s, line: on_line(line),
                                env={"KUBECONFIG": kube.kubeconfig} if kube.kubeconfig else None)
        if not result.ok:
            raise MeshtuiError(f"{argv[0]} exited {result.returncode}", hint="see the output above")
    wait_rollouts(kube, TARGET, timeout, on_line, cancel)
