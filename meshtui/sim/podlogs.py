"""Container logs kept like the kubelet keeps them, and read with its query options.

Each container has one log per instance; a restart starts a new instance (the old one
is what `previous=true` reads, older ones are gone, as on a node) and ends every follow
stream of the old one. An instance keeps at most `max_bytes` of lines: beyond that the
oldest lines are rotated away and counted, as a node's log rotation loses them.
Timestamps are strictly increasing per container and formatted like Go's RFC3339Nano
(trailing zeros trimmed), with the sim's own time code (timefmt.py; the sim imports
nothing from meshtui): it is the oracle the product's code is checked against.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from meshtui.sim.timefmt import format_ns as format_ts

RING = 100_000
"""Lines kept per container instance (SimOptions.ring)."""
MAX_BYTES = 2 << 20
"""Bytes of log lines kept per container instance (the kubelet rotates at 10 MiB; the demo runs for hours)."""


_SECONDS: dict[int, bytes] = {}


def stamp(ns: int) -> bytes:
    """`format_ts(ns)` as bytes, the seconds part cached (lines are written many to a second)."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = _SECONDS.get(seconds)
    if base is None:
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        base = _SECONDS[seconds] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)).encode()
    return base + (b".%09d" % frac).rstrip(b"0") + b"Z" if frac else base + b"Z"


@dataclass
class Instance:
    """One run of a container (a restart starts a new one)."""

    number: int
    lines: deque[tuple[int, bytes]] = field(default_factory=deque)
    """(ns, `STAMP text`): the stamp is made once, when the line is written; reads only join."""
    appended: int = 0
    """Lines ever written to this instance."""
    rotated: int = 0
    """Lines rotated away (oldest first) to keep the instance under its byte budget."""
    size: int = 0
    ended: bool = False

    def rotate(self, keep_lines: int, keep_bytes: int) -> int:
        """Drop the oldest lines until at most `keep_lines` and `keep_bytes` remain; returns how many went."""
        dropped = 0
        lines = self.lines
        while lines and (self.size > keep_bytes or len(lines) > keep_lines):
            self.size -= len(lines.popleft()[1]) + 1
            dropped += 1
        self.rotated += dropped
        return dropped

    def summary(self) -> dict[str, int | bool]:
        return {"instance": self.number, "lines": self.appended, "rotated": self.rotated, "kept": len(self.lines),
                "ended": self.ended}


class ContainerLog:
    """The log of one container across its restarts."""

    def __init__(self, ring: int = RING, max_bytes: int = MAX_BYTES, uid: str = "") -> None:
        self.ring = ring
        self.max_bytes = max_bytes
        self.uid = uid
        self.current = Instance(0)
        self.previous: Instance | None = None
        self.history: list[Instance] = [self.current]
        """Every instance's counts (older instances' lines are dropped, as on a node)."""
        self.emitted = 0
        self.last_ts = 0
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def append(self, lines: Iterable[str | bytes], at_ns: int | None = None) -> int:
        """Add lines with strictly increasing timestamps; returns how many (none once the container stopped)."""
        if self.current.ended:
            return 0
        now = at_ns or time.time_ns()
        count = 0
        size = 0
        instance = self.current
        store = instance.lines
        for line in lines:
            data = line.encode("utf-8", "surrogateescape") if isinstance(line, str) else bytes(line)
            data = data.replace(b"\n", b" ")
            now = max(now, self.last_ts + 1)
            self.last_ts = now
            line_ = stamp(now) + b" " + data
            store.append((now, line_))
            size += len(line_) + 1
            count += 1
        instance.appended += count
        instance.size += size
        if instance.size > self.max_bytes or len(store) > self.ring:
            instance.rotate(self.ring, self.max_bytes)
        self.emitted += count
        if count:
            self._notify()
        return count

    def restart(self) -> None:
        """The container restarted: followers of the old instance end."""
        self.current.ended = True
        self.previous = self.current
        if len(self.history) >= 2:
            self.history[-2].lines = deque()  # the instance before the previous one is gone from the node
        self.current = Instance(self.previous.number + 1)
        self.history.append(self.current)
        self._notify()

    def terminate(self) -> None:
        """The container stopped for good (its pod is being deleted): followers end, the log stays readable."""
        self.current.ended = True
        self._notify()

    def close(self) -> None:
        """The pod is gone: followers end and the lines are dropped (the counts stay for /_sim/stats)."""
        self.current.ended = True
        for instance in self.history:
            instance.lines = deque()
            instance.size = 0
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


def render(entries: list[tuple[int, bytes]], timestamps: bool) -> bytes:
    if not entries:
        return b""
    if timestamps:
        return b"\n".join([line for _, line in entries]) + b"\n"
    return b"\n".join([line.partition(b" ")[2] for _, line in entries]) + b"\n"


class PodLogs:
    """All container logs of the cluster, keyed by (namespace, pod, container)."""

    def __init__(self, ring: int = RING, max_bytes: int = MAX_BYTES) -> None:
        self.ring = ring
        self.max_bytes = max_bytes
        self.logs: dict[tuple[str, str, str], ContainerLog] = {}

    def get(self, namespace: str, pod: str, container: str) -> ContainerLog:
        key = (namespace, pod, container)
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = ContainerLog(self.ring, self.max_bytes)
        return log

    def start(self, namespace: str, pod: str, container: str, uid: str) -> ContainerLog:
        """A container of pod `uid` starts: a pod that reuses a gone pod's name gets a fresh log."""
        key = (namespace, pod, container)
        log = self.logs.get(key)
        if log is None or (log.uid and log.uid != uid) or log.current.ended:
            log = self.logs[key] = ContainerLog(self.ring, self.max_bytes, uid)
        log.uid = uid
        return log

    def find(self, namespace: str, pod: str, container: str) -> ContainerLog | None:
        return self.logs.get((namespace, pod, container))

    def write(self, namespace: str, pod: str, container: str, lines: Iterable[str | bytes]) -> int:
        return self.get(namespace, pod, container).append(lines)

    def terminate_pod(self, namespace: str, pod: str) -> None:
        for key in [k for k in self.logs if k[0] == namespace and k[1] == pod]:
            self.logs[key].terminate()

    def drop_pod(self, namespace: str, pod: str) -> None:
        for key in [k for k in self.logs if k[0] == namespace and k[1] == pod]:
            self.logs[key].close()

    def rotate(self, namespace: str, pod: str, container: str, keep: int) -> int:
        """Rotate away all but the newest `keep` lines of the current instance (log rotation on a node)."""
        log = self.logs.get((namespace, pod, container))
        if log is None:
            return 0
        instance = log.current
        drop = max(0, len(instance.lines) - max(0, keep))
        for _ in range(drop):
            instance.size -= len(instance.lines.popleft()[1]) + 1
        instance.rotated += drop
        return drop

    def stats(self) -> dict[str, int]:
        return {f"{ns}/{pod}/{container}": log.emitted for (ns, pod, container), log in sorted(self.logs.items())}

    def instances(self) -> dict[str, list[dict[str, int | bool]]]:
        return {f"{ns}/{pod}/{container}": [i.summary() for i in log.history]
                for (ns, pod, container), log in sorted(self.logs.items())}

    def dump(self, namespace: str, pod: str, container: str) -> list[dict[str, object]]:
        """The lines the node still holds per instance (current and previous), for the oracle."""
        log = self.logs.get((namespace, pod, container))
        if log is None:
            return []
        kept = [log.previous, log.current] if log.previous is not None else [log.current]
        return [{**i.summary(), "entries": [[format_ts(ts), data.partition(b" ")[2].decode("utf-8", "replace")]
                                             for ts, data in i.lines]} for i in kept]
