"""Heavy third-party imports (the kubernetes client, the docker SDK, requests), done once and never concurrently.

Both SDKs import `requests`. When two threads import it at the same time, one of them can see the
module half-initialised (`module 'requests' has no attribute 'exceptions'`,
`cannot import name 'parse_dict_header'`). Every adapter that needs one of these stacks calls
`ensure()` first, and the commands that start thread pools (doctor, up, the TUI's workers) call
`preload()` in the main thread before the first worker starts. Paths that need neither stack
(`--version`, `profiles`, `istio lint`) never pay for them.

The garbage collector is paused while a stack is imported: the import builds tens of thousands of
objects (classes, pydantic schemas) that live as long as the process, so collecting during it finds
nothing. A command that is starting (`preload()`, the client's first connect) also moves what exists
then out of the collector's sight (`gc.freeze`), or the next collections walk all of it again: GC
time of `meshtui logs --tail 1` 27 ms -> 7 ms. The TUI freezes Textual and its own modules once,
before the app exists (`cli.commands.tui`); its later imports, one module per loop turn after the
first frame, freeze nothing (its widgets come and go). Pauses never cover a network wait.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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


def ensure(*modules: str, settle: bool = False) -> None:
    """Import `modules` (each once, one thread at a time); cheap after the first call.

    `settle`: the caller is a command starting up; when this call imported anything, every object
    that exists afterwards is frozen (see the module's docstring).

    `sys.modules` cannot serve as the fast path: a module another thread is still importing is
    already there, half-built. `_DONE` only holds modules whose import finished.
    """
    if all(name in _DONE for name in modules):
        return
    with _LOCK:
        missing = [name for name in dict.fromkeys(modules) if name not in _DONE]
        if not missing:
            return  # another thread imported them while this one waited: nothing to settle
        with collector_paused(settle=settle):
            for name in missing:
                importlib.import_module(name)
                _DONE.add(name)


_PAUSE = threading.Lock()
_pausers = 0
"""Sections paused right now, in every thread (the nodes, events and pods feeds decode at the same time)."""
_resume = True
"""Whether the collector was on when the first of them began (it is turned back on after the last)."""
_settle = False


@contextmanager
def collector_paused(*, settle: bool = False) -> Iterator[None]:
    """No garbage collection inside: for work that builds many objects that mostly survive it (an import,
    decoding a list of 20,000 pods), where collector passes find nothing and each walks all of them (0.1-0.3 s
    each at 20,000 pods, holding the interpreter). Counted across threads under one lock: the collector
    stays off until the last section ends and is then turned back on if it was on before the first began
    (freezing first when any of them asked to `settle`). Never hold one across network waits."""
    global _pausers, _resume, _settle
    with _PAUSE:
        if _pausers == 0:
            _resume, _settle = gc.isenabled(), False
            gc.disable()
        _pausers += 1
        _settle = _settle or settle
    try:
        yield
    finally:
        with _PAUSE:
            _pausers -= 1
            if _pausers == 0 and _resume:
                if _settle:
                    gc.freeze()
                gc.enable()


def pending(*stacks: tuple[str, ...]) -> list[str]:
    """The modules of `stacks` (default: both) not imported yet, in import order (each listed once)."""
    names = (name for stack in (stacks or (KUBE, DOCKER)) for name in stack)
    return [name for name in dict.fromkeys(names) if name not in _DONE]


def preload(*stacks: tuple[str, ...]) -> None:
    """Import whole stacks up front (call from the main thread before starting worker threads)."""
    ensure(*(name for stack in (stacks or (KUBE, DOCKER)) for name in stack), settle=True)
