"""Run a simulated cluster: in a background thread (tests, the TUI's demo) or in the foreground.

`SimCluster` owns an event loop thread serving the API on 127.0.0.1 (ephemeral port by
default) plus the ingress listener, writes a kubeconfig whose context is `meshtui-sim`,
and offers the `/_sim` controls as Python methods that hop onto the loop.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from aiohttp import web

from meshtui.sim.control import ingress_app
from meshtui.sim.controllers import Controllers
from meshtui.sim.mesh import MeshBuilder
from meshtui.sim.routing import is_ready
from meshtui.sim.server import SimServer
from meshtui.sim.state import SimOptions, SimState
from meshtui.sim.traffic import Traffic

T = TypeVar("T")
SIM_CONTEXT = "meshtui-sim"
"""The kubeconfig context of every simulated cluster (the product recognises it by this name)."""


def kubeconfig_yaml(url: str, namespace: str = "shop") -> str:
    """A kubeconfig with one context, `meshtui-sim`, pointing at `url`."""
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": SIM_CONTEXT, "cluster": {"server": url}}],
        "users": [{"name": SIM_CONTEXT, "user": {"token": "meshtui-sim"}}],
        "contexts": [{"name": SIM_CONTEXT, "context": {"cluster": SIM_CONTEXT, "user": SIM_CONTEXT,
                                                       "namespace": namespace}}],
        "current-context": SIM_CONTEXT}, sort_keys=False)


class SimCluster:
    """A simulated cluster with its own loop thread."""

    def __init__(self, options: SimOptions | None = None, port: int = 0, kubeconfig: str | Path | None = None,
                 ingress_port: int = 0) -> None:
        self.options = options or SimOptions()
        self.port = port
        self.ingress_port = ingress_port
        self.kubeconfig = Path(kubeconfig) if kubeconfig else None
        self.url = ""
        self.ingress_url = ""
        self.state: SimState | None = None
        self.server: SimServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._runners: list[web.AppRunner] = []

    # -- lifecycle ---------------------------------------------------------------------
    async def serve(self, on_ready: Callable[[SimCluster], None] | None = None) -> None:
        """Serve until `stop()`; usable directly with asyncio.run for the foreground mode."""
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        state = SimState(self.options)
        state.loop = self.loop
        self.state = state
        controllers = Controllers(state)
        controllers.install()
        state.controllers = controllers
        server = SimServer(state)
        server.traffic = Traffic(state)
        self.server = server
        runner = web.AppRunner(server.app(), access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self._runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        server.address = f"127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}"
        ingress_runner = web.AppRunner(ingress_app(server), access_log=None, handle_signals=False,
                                       shutdown_timeout=0.5)
        await ingress_runner.setup()
        ingress_site = web.TCPSite(ingress_runner, "127.0.0.1", self.ingress_port, reuse_address=True)
        await ingress_site.start()
        self._runners.append(ingress_runner)
        self.ingress_url = f"http://127.0.0.1:{ingress_site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        state.ingress_url = self.ingress_url
        MeshBuilder(state, controllers).build()
        if self.kubeconfig is not None:
            self.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.kubeconfig.with_suffix(".tmp")
            tmp.write_text(kubeconfig_yaml(self.url))
            os.chmod(tmp, 0o600)
            tmp.replace(self.kubeconfig)
        traffic_task = self.loop.create_task(server.traffic.run())
        self._ready.set()
        if on_ready is not None:
            on_ready(self)
        try:
            await self._stop.wait()
        finally:
            traffic_task.cancel()
            for r in self._runners:
                await r.cleanup()

    def start(self, timeout: float = 15.0) -> SimCluster:
        """Start in a daemon thread and return once the API answers."""
        def main() -> None:
            try:
                asyncio.run(self.serve())
            except BaseException as exc:  # surfaced to the starting thread
                self._error = exc
                self._ready.set()

        self._thread = threading.Thread(target=main, name="meshtui-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the simulated cluster did not start")
        if self._error is not None:
            raise RuntimeError(f"the simulated cluster failed to start: {self._error}") from self._error
        return self

    def stop_soon(self) -> None:
        """Ask the serving loop to finish (safe from a signal handler on the loop)."""
        if self._stop is not None:
            self._stop.set()

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> SimCluster:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- cross-thread access -----------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the sim's loop thread and return its result."""
        assert self.loop is not None

        async def run() -> T:
            return fn(*args, **kwargs)
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=30)

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Wait until every pod is Running and Ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.call(self._all_ready):
                return
            time.sleep(0.05)
        raise TimeoutError("pods did not become ready")

    def _all_ready(self) -> bool:
        assert self.state is not None
        pods = self.state.store.list(self.state.type("pods"))
        deployments = self.state.store.list(self.state.type("deployments"))
        wanted = sum(int(d["spec"].get("replicas", 1)) for d in deployments)
        owned = [p for p in pods if any(r.get("kind") == "ReplicaSet" for r in p["metadata"].get("ownerReferences", []))]
        return len(owned) >= wanted and all(is_ready(p) for p in pods)

    # -- controls (same as /_sim over HTTP) --------------------------------------------
    def set_faults(self, **values: Any) -> dict:
        assert self.state is not None
        return self.call(lambda: (self.state.faults.update(values), self.state.faults.as_dict())[1])  # type: ignore

    def compact(self) -> int:
        assert self.state is not None
        return self.call(self.state.store.compact)

    def push_log(self, namespace: str, pod: str, container: str, lines: list[str | bytes]) -> int:
        assert self.state is not None
        return self.call(self.state.logs.write, namespace, pod, container, lines)

    def stats(self) -> dict:
        assert self.state is not None
        return self.call(lambda: {"log_lines": self.state.logs.stats(),  # type: ignore[union-attr]
                                  "requests": dict(self.state.request_counts)})  # type: ignore[union-attr]

    def crash(self, namespace: str, pod: str, container: str) -> None:
        from meshtui.sim.kubelet import crash

        assert self.state is not None
        self.call(crash, self.state.controllers, namespace, pod, container)

    def send(self, count: int, path: str | None = None, headers: dict[str, str] | None = None) -> dict[int, int]:
        """Push `count` requests through the ingress now; returns status -> count."""
        assert self.server is not None

        def run() -> dict[int, int]:
            traffic = self.server.traffic  # type: ignore[union-attr]
            statuses: dict[int, int] = {}
            for _ in range(count):
                req = traffic.new_request(path, headers) if (path or headers) else None
                status = traffic.entry(req).status
                statuses[status] = statuses.get(status, 0) + 1
            return statuses
        return self.call(run)

    def set_rate(self, rate: float) -> None:
        self.options.rate = rate
