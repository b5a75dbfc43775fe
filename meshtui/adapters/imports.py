"""Heavy third-party imports (the kubernetes client, the docker SDK, requests), done once and never concurrently.

Both SDKs import `requests`. When two threads import it at the same time, one of them can see the
module half-initialised (`module 'requests' has no attribute 'exceptions'`,
`cannot import name 'parse_dict_header'`). Every adapter that needs one of these stacks calls
`ensure()` first, and the commands that start thread pools (doctor, up, the TUI's workers) call
`preload()` in the main thread before the first worker starts. Paths that need neither stack
(`--version`, `profiles`, `istio lint`) never pay for them.
"""

from __future__ import annotations

import importlib
import threading

KUBE: tuple[str, ...] = (
    "urllib3",
    "requests",
    "requests.exceptions",
    "kubernetes.client",
    "kubernetes.config",
    "kubernetes.config.kube_config",
    "kubernetes.utils",
)
DOCKER: tuple[str, ...] = ("urllib3", "requests", "requests.exceptions", "docker", "docker.errors")

_LOCK = threading.RLock()
_DONE: set[str] = set()


def ensure(*modules: str) -> None:
    """Import `modules` (each once, one thread at a time); cheap after the first call.

    `sys.modules` cannot serve as the fast path: a module another thread is still importing is
    already there, half-built. `_DONE` only holds modules whose import finished.
    """
    if all(name in _DONE for name in modules):
        return
    with _LOCK:
        for name in modules:
            if name not in _DONE:
                importlib.import_module(name)
                _DONE.add(name)


def pending(*stacks: tuple[str, ...]) -> list[str]:
    """The modules of `stacks` (default: both) not imported yet, in import order (each listed once)."""
    names = (name for stack in (stacks or (KUBE, DOCKER)) for name in stack)
    return [name for name in dict.fromkeys(names) if name not in _DONE]


def preload(*stacks: tuple[str, ...]) -> None:
    """Import whole stacks up front (call from the main thread before starting worker threads)."""
    ensure(*(name for stack in (stacks or (KUBE, DOCKER)) for name in stack))
