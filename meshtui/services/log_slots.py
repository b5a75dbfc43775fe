"""How many containers one log query follows at once, and which ones wait.

A query can match far more containers than is sane to follow: `-n load` over 20,000
pods once opened 18,515 streams and as many threads in a minute. Like `kubectl logs
--max-log-requests` and stern's option of the same name, the engine follows at most
`cap` containers (one `ContainerTail`, so one thread and one stream, each). Matching
containers beyond it are queued here with the pod they were last seen in, and are
followed in a stable order (namespace, pod, container, UID) as slots free up: a followed
container's tail ends (its pod was deleted or finished) and the first queued one takes
its place. A queued container whose pod goes is forgotten; one whose pod changes keeps
the newest pod. Nothing here starts a thread: the engine asks `take` for what to start.

The defaults: the Logs panel follows 100 (a screen shows a few dozen interleaved sources
at best, and 100 threads cost ~10 MB and no noticeable CPU); `meshtui logs` follows 50
like stern, and refuses a query that matches more unless `--max-log-requests` is given
(as kubectl does), since a partial follow written to a pipe would look complete.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

Key = tuple[str, str, str, str]
"""namespace, pod, container, pod UID: one container of one pod instance."""

DEFAULT_MAX_STREAMS = 100
"""The Logs panel's cap (and any engine's that is given none)."""
CLI_MAX_STREAMS = 50
"""`meshtui logs`'s cap when following, as stern's `--max-log-requests` default."""


class Slots:
    """The queue of matching containers not followed yet (not thread-safe: the engine holds its lock)."""

    def __init__(self, cap: int) -> None:
        if cap < 1:
            raise ValueError(f"a log query follows at least one container (cap {cap})")
        self.cap = cap
        self._queued: dict[Key, tuple[dict, bool]] = {}

    def __len__(self) -> int:
        return len(self._queued)

    def offer(self, key: Key, pod: dict, initial: bool) -> None:
        """A matching container not followed: queue it (or keep its newest pod; `initial` stays as first seen:
        whether it was there when the query started, so it starts from the query's --tail/--since)."""
        known = self._queued.get(key)
        self._queued[key] = (pod, known[1] if known is not None else initial)

    def forget(self, pods: Iterable[tuple[str, str]], keep_only: bool = False) -> None:
        """Drop the queued containers of these (namespace, pod) pairs; with `keep_only`, of all the others."""
        wanted = set(pods)
        for key in list(self._queued):
            if ((key[0], key[1]) in wanted) != keep_only:
                del self._queued[key]

    def clear(self) -> None:
        self._queued.clear()

    def take(self, live: int) -> list[tuple[Key, dict, bool]]:
        """The queued containers to start now that `live` streams are open: the first ones in key order."""
        free = self.cap - live
        if free <= 0 or not self._queued:
            return []
        keys = heapq.nsmallest(free, self._queued) if free < len(self._queued) else sorted(self._queued)
        return [(key, *self._queued.pop(key)) for key in keys]
