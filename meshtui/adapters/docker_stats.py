"""Live `docker stats` for the cluster's node containers: one streaming reader per container.

`container.stats(stream=False)` blocks about a second, so nothing on a UI path may call
it. Instead each node container gets a background thread consuming the daemon's
once-a-second stats stream and keeping the latest sample; reading usage is then a
dictionary lookup. Containers that appear are picked up on the next `refresh()`;
those that stop or vanish end their stream and drop out; a daemon that goes away
becomes a notice. Once closed it starts nothing and asks the daemon nothing: a sample
still running when its owner closed it would start readers no one stops.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from meshtui.adapters.docker_engine import DockerEngine, DockerUnavailable, NodeContainer, docker_errors


@dataclass
class Latest:
    """The newest sample of one container and when it arrived."""

    container: NodeContainer
    sample: dict | None = None
    received: float = 0.0
    ended: bool = False


class StatsCollector:
    """Streams stats for every node container of one cluster."""

    def __init__(self, engine: DockerEngine, cluster: str, provider: str) -> None:
        self.engine = engine
        self.cluster = cluster
        self.provider = provider
        self.latest: dict[str, Latest] = {}
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def refresh(self) -> list[NodeContainer]:
        """List the node containers now; start readers for new ones, forget vanished ones. Closed: nothing."""
        if self._stop.is_set():
            return []
        try:
            containers = self.engine.node_containers(self.cluster, self.provider)
        except DockerUnavailable as exc:
            self.error = exc.message
            with self._lock:
                self.latest.clear()
            return []
        self.error = None
        current = {c.id: c for c in containers}
        with self._lock:
            if self._stop.is_set():  # closed while the daemon was asked (set under this lock, see `close`)
                return []
            for gone in [cid for cid in self.latest if cid not in current]:
                del self.latest[gone]
            for cid, container in current.items():
                entry = self.latest.get(cid)
                if entry is None or entry.ended:
                    self.latest[cid] = Latest(container)
                    threading.Thread(target=self._read, args=(cid,), name=f"stats:{container.name}",
                                     daemon=True).start()
                else:
                    entry.container = container
        return containers

    def _read(self, container_id: str) -> None:
        gone: tuple[type[BaseException], ...] = (DockerUnavailable, *docker_errors())
        try:
            for sample in self.engine.stats_stream(container_id):
                if self._stop.is_set():
                    return
                with self._lock:
                    entry = self.latest.get(container_id)
                    if entry is None:
                        return
                    entry.sample = sample
                    entry.received = time.monotonic()
        except gone:
            pass
        finally:
            with self._lock:
                entry = self.latest.get(container_id)
                if entry is not None:
                    entry.ended = True

    def snapshot(self) -> list[Latest]:
        with self._lock:
            return [Latest(e.container, e.sample, e.received, e.ended) for e in self.latest.values()]

    def close(self) -> None:
        """Readers are daemon threads; they stop at their next sample (within a second). For good."""
        with self._lock:
            self._stop.set()
            self.latest.clear()
