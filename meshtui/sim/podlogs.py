"""Container logs kept like the kubelet keeps them, and read with its query options.

Each container has a bounded ring of (timestamp, line) per instance; a restart starts
a new instance (the old one is what `previous=true` reads) and ends every follow
stream of the old one, as a real container restart does. Timestamps are strictly
increasing per container and formatted like Go's RFC3339Nano (trailing zeros trimmed).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from meshtui.sim.timefmt import format_ns as format_ts

RING = 100_000


@dataclass
class Instance:
    """One run of a container (a restart starts a new one)."""

    number: int
    lines: deque
    appended: int = 0
    ended: bool = False


class ContainerLog:
    """The log of one container across its restarts."""

    def __init__(self, ring: int = RING) -> None:
        self.ring = ring
        self.current = Instance(0, deque(maxlen=ring))
        self.previous: Instance | None = None
        self.emitted = 0
        self.last_ts = 0
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def append(self, lines: Iterable[str | bytes], at_ns: int | None = None) -> int:
        """Add lines with strictly increasing timestamps; returns how many."""
        now = at_ns or time.time_ns()
        count = 0
        store = self.current.lines
        for line in lines:
            data = line.encode("utf-8", "surrogateescape") if isinstance(line, str) else bytes(line)
            data = data.replace(b"\n", b" ")
            now = max(now, self.last_ts + 1)
            self.last_ts = now
            store.append((now, data))
            count += 1
        self.current.appended += count
        self.emitted += count
        if count:
            self._notify()
        return count

    def restart(self) -> None:
        """The container restarted: followers of the old instance end."""
        self.current.ended = True
        self.previous = self.current
        self.current = Instance(self.previous.number + 1, deque(maxlen=self.ring))
        self._notify()

    def close(self) -> None:
        """The pod is gone."""
        self.current.ended = True
        self._notify()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            pass


def select(instance: Instance, since_ns: int | None, tail: int | None) -> list[tuple[int, bytes]]:
    """Lines of an instance filtered by since and tail, oldest first."""
    lines = instance.lines
    if since_ns is not None:
        chosen = [entry for entry in lines if entry[0] >= since_ns]
    else:
        chosen = list(lines)
    if tail is not None and tail >= 0:
        chosen = chosen[-tail:] if tail else []
    return chosen


def render(entries: Iterable[tuple[int, bytes]], timestamps: bool) -> bytes:
    if timestamps:
        return b"".join(format_ts(ts).encode() + b" " + data + b"\n" for ts, data in entries)
    return b"".join(data + b"\n" for _, data in entries)


class PodLogs:
    """All container logs of the cluster, keyed by (namespace, pod, container)."""

    def __init__(self, ring: int = RING) -> None:
        self.ring = ring
        self.logs: dict[tuple[str, str, str], ContainerLog] = {}

    def get(self, namespace: str, pod: str, container: str) -> ContainerLog:
        key = (namespace, pod, container)
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = ContainerLog(self.ring)
        return log

    def find(self, namespace: str, pod: str, container: str) -> ContainerLog | None:
        return self.logs.get((namespace, pod, container))

    def write(self, namespace: str, pod: str, container: str, lines: Iterable[str | bytes]) -> int:
        return self.get(namespace, pod, container).append(lines)

    def drop_pod(self, namespace: str, pod: str) -> None:
        for key in [k for k in self.logs if k[0] == namespace and k[1] == pod]:
            self.logs[key].close()
            # Keep the counts for /_sim/stats; drop the lines.
            self.logs[key].current.lines.clear()

    def stats(self) -> dict[str, int]:
        return {f"{ns}/{pod}/{container}": log.emitted for (ns, pod, container), log in sorted(self.logs.items())}
