"""Install metrics-server on the current cluster (the Resources panel's `m`), whichever provider it is.

kind and other clusters get the pinned upstream manifest plus `--kubelet-insecure-tls`
(kind's kubelets serve self-signed certificates); minikube its addon; the simulator
its stand-in Deployment. Then it waits for the rollout, so metrics appear right after.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from meshtui.adapters import process
from meshtui.config import paths
from meshtui.domain.cluster import Badge
from meshtui.domain.errors import MeshtuiError
from meshtui.services.provision.manifests import Applier, deployment_ready, read_manifests
from meshtui.services.provision.steps_cluster import METRICS_PATCH, METRICS_SERVER_URL

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient
    from meshtui.services.guard import Guard


def install_metrics_server(kube: KubeClient, guard: Guard, on_line: Callable[[str], None],
                           cancel: threading.Event | None = None, timeout: float = 300.0) -> None:
    """Install and wait; raises GuardRefused on a remote or read-only context, MeshtuiError on failure."""
    import time

    guard.check("installing metrics-server")
    context, applier = kube.context.name, Applier(kube)
    if guard.locality.badge == Badge.SIMULATED:
        for _source, obj in read_manifests(paths.assets_dir() / "sim" / "metrics-server.yaml"):
            applier.apply(obj)
            on_line(f"applied {obj['kind']}/{obj['metadata']['name']}")
    else:
        if guard.locality.provider.value == "minikube":
            commands = [["minikube", "addons", "enable", "metrics-server", "-p", context]]
        else:
            commands = [["kubectl", "--context", context, "apply", "-f", METRICS_SERVER_URL],
                        ["kubectl", "--context", context, "-n", "kube-system", "patch", "deployment",
                         "metrics-server", "--type=json", "-p", METRICS_PATCH]]
        for argv in commands:
            on_line("$ " + " ".join(argv))
            result = process.stream(argv, timeout=300, cancel=cancel, on_line=lambda _s, line: on_line(line))
            if not result.ok:
                raise MeshtuiError(f"{argv[0]} exited {result.returncode}", hint="see the output above")
    deadline = time.monotonic() + timeout
    while True:
        ok, progress = deployment_ready(applier.get("apps/v1", "Deployment", "kube-system", "metrics-server"))
        if ok:
            on_line(f"metrics-server ready ({progress})")
            return
        if time.monotonic() > deadline or (cancel is not None and cancel.is_set()):
            raise MeshtuiError(f"metrics-server not ready after {timeout:g}s ({progress})")
        time.sleep(0.5)
