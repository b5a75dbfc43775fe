"""Monitoring dashboards (kiali, grafana, prometheus, jaeger, loki) through `kubectl port-forward`.

The addons from Istio's samples/addons run as Services in istio-system; a dashboard
is a port-forward from 127.0.0.1 to one of them, as `istioctl dashboard` does. The
forward runs until the caller cancels it (process group killed).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from meshtui.adapters import process
from meshtui.adapters.kube import KubeApiError, path_for
from meshtui.domain.cluster import Badge
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient
    from meshtui.services.guard import Guard

SERVICES = {"prometheus": ("prometheus", 9090), "grafana": ("grafana", 3000), "kiali": ("kiali", 20001),
            "jaeger": ("tracing", 80), "loki": ("loki", 3100)}
NAMESPACE = "istio-system"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for the local end of a forward."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installed(kube: KubeClient, order: tuple[str, ...] = ("kiali", "grafana", "prometheus", "jaeger")) -> list[str]:
    """The dashboards whose Service exists in istio-system, in `order`."""
    found = []
    for name in order:
        try:
            kube.get(path_for("", "v1", "services", NAMESPACE, SERVICES[name][0]))
            found.append(name)
        except (KubeApiError, MeshtuiError):
            continue
    return found


def port_forward_argv(context: str, name: str, local: int, kubeconfig: str | None = None) -> list[str]:
    service, port = SERVICES[name]
    argv = ["kubectl", "--context", context, "-n", NAMESPACE, "port-forward", f"svc/{service}", f"{local}:{port}",
            "--address", "127.0.0.1"]
    return argv + (["--kubeconfig", kubeconfig] if kubeconfig else [])


def open_dashboard(kube: KubeClient, guard: Guard, name: str, local: int, ready: Callable[[str], None],
                   cancel: threading.Event | None = None, kubeconfig: str | None = None) -> None:
    """Forward 127.0.0.1:local to the addon and call `ready(url)` once kubectl says it forwards."""
    if guard.locality.badge == Badge.SIMULATED:
        raise MeshtuiError(f"the simulated cluster runs no real {name}",
                           hint="dashboards need a real cluster: meshtui up -p default")
    service, _port = SERVICES[name]
    try:
        kube.get(path_for("", "v1", "services", NAMESPACE, service))
    except KubeApiError as exc:
        if exc.status == 404:
            raise MeshtuiError(f"{name} is not installed (no Service {NAMESPACE}/{service})",
                               hint=f"add {name} to istio.addons in the profile and run `meshtui up`") from None
        raise
    url = f"http://127.0.0.1:{local}/"
    announced = threading.Event()

    def on_line(_stream: str, line: str) -> None:
        if "Forwarding from" in line and not announced.is_set():
            announced.set()
            ready(url)

    result = process.stream(port_forward_argv(kube.context.name, name, local, kubeconfig), timeout=24 * 3600,
                            on_line=on_line, cancel=cancel)
    if not result.ok:
        raise MeshtuiError(f"kubectl port-forward exited {result.returncode}: "
                           f"{inert((result.stderr or result.stdout).strip()[-200:])}")
