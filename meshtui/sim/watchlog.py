"""The store's change history and live watches: what `?watch=true` reads.

Every committed change is a `WatchEvent` with the global resourceVersion it got. A
bounded history lets a watch resume from a version; once a version has fallen out of
it (or `compact()` dropped it, as etcd compaction does) the watch gets 410 Expired.
Live watchers get events through a queue; a watcher that falls more than
MAX_WATCH_BACKLOG events behind is cut off, so the client relists as it must.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from meshtui.sim.errors import ApiError

MAX_WATCH_BACKLOG = 200_000


@dataclass
class WatchEvent:
    """One change, kept in the history for watch resumption."""

    rv: int
    key: str
    namespace: str
    type: str
    obj: dict
    old: dict | None = None


@dataclass(eq=False)
class Watcher:
    """A live watch: a filter and the queue its HTTP handler drains (None = cut off)."""

    key: str
    namespace: str | None
    matches: Callable[[dict], bool]
    queue: asyncio.Queue[WatchEvent | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False


class WatchLog:
    """History and watchers; `Store` records every commit here."""

    def __init__(self, history: int) -> None:
        self.rv = 1
        self.history: deque[WatchEvent] = deque(maxlen=history)
        self.floor = 1
        self.watchers: dict[str, set[Watcher]] = {}

    def record(self, event: WatchEvent) -> None:
        if len(self.history) == self.history.maxlen:
            self.floor = self.history[0].rv
        self.history.append(event)
        for watcher in list(self.watchers.get(event.key, ())):
            self._offer(watcher, event)

    @staticmethod
    def _offer(watcher: Watcher, event: WatchEvent) -> None:
        if watcher.overflowed:
            return
        if watcher.queue.qsize() > MAX_WATCH_BACKLOG:
            watcher.overflowed = True  # the handler closes the stream; the client relists
            watcher.queue.put_nowait(None)
            return
        watcher.queue.put_nowait(event)

    def open_key_watch(self, key: str, namespace: str | None, matches: Callable[[dict], bool],
                   resource_version: str | None, current: Iterable[dict]) -> tuple[Watcher, list[WatchEvent]]:
        """Register a watcher and return the backlog it must send first.

        No version (or "0"): synthetic ADDED for `current`, what exists now. A version
        older than the kept history: 410 Expired, as etcd compaction causes.
        """
        watcher = Watcher(key, namespace, matches)
        if not resource_version or resource_version == "0":
            backlog = [WatchEvent(self.rv, key, o["metadata"].get("namespace", ""), "ADDED", o) for o in current]
        else:
            try:
                since = int(resource_version)
            except ValueError:
                raise ApiError(400, "BadRequest", f"invalid resource version {resource_version!r}") from None
            if since < self.floor:
                raise ApiError(410, "Expired", f"too old resource version: {since} ({self.floor})")
            backlog = [e for e in self.history if e.rv > since and e.key == key
                       and (namespace is None or e.namespace == namespace)]
        self.watchers.setdefault(key, set()).add(watcher)
        return watcher, backlog

    def close_watch(self, watcher: Watcher) -> None:
        self.watchers.get(watcher.key, set()).discard(watcher)

    def compact(self) -> int:
        """Drop the history: resuming from any version before now gets 410."""
        self.history.clear()
        self.floor = self.rv
        return self.rv
