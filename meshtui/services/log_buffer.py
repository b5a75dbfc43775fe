"""Between the tails' threads and the consumer: a bounded queue of lines, notices and a wake-up.

The CLI makes producers wait when it falls behind (`drop_when_full=False`: nothing is
lost, the kubelet keeps the lines); the TUI drops the oldest lines and counts them. The
consumer is woken once per batch (`on_ready`), not once per line, and takes what it
wants when it wants (`take`), so a flood costs the consumer what it chooses to show.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from meshtui.domain.logs import LogLine
from meshtui.services.log_reader import Chunk, Notice

Item = LogLine | Chunk


def size_of(item: Item) -> int:
    return item.count if isinstance(item, Chunk) else 1


class LineBuffer:
    """Thread-safe, bounded; `count` is in lines (a chunk counts its lines)."""

    def __init__(self, capacity: int, drop_when_full: bool, on_ready: Callable[[], None]) -> None:
        self.capacity = capacity
        self.drop_when_full = drop_when_full
        self.on_ready = on_ready
        self.dropped = 0
        self.count = 0
        self._items: deque[Item] = deque()
        self._notices: deque[Notice] = deque(maxlen=10_000)
        self._lock = threading.Condition()
        self._pending = False
        self._closed = False

    def put(self, items: list[Item], count: int) -> None:
        """Add (waiting for room, or evicting the oldest), then wake the consumer once."""
        with self._lock:
            if not self.drop_when_full:
                while self.count + count > self.capacity and self.count and not self._closed:
                    self._lock.wait(0.2)
            self._items.extend(items)
            self.count += count
            overflow = self.count - self.capacity if self.drop_when_full else 0
            while overflow > 0 and self._items:
                size = size_of(self._items.popleft())
                self.count -= size
                overflow -= size
                self.dropped += size
            wake = self._mark()
        if wake:
            self.on_ready()

    def note(self, notice: Notice | None) -> None:
        """Keep a notice for the consumer (or just wake it: the streams' state changed)."""
        with self._lock:
            if notice is not None:
                self._notices.append(notice)
            wake = self._mark()
        if wake:
            self.on_ready()

    def _mark(self) -> bool:
        wake = not self._pending
        self._pending = True
        return wake

    def take(self, limit: int | None = None) -> tuple[list[Item], list[Notice]]:
        """Up to about `limit` lines (all when None) and every notice."""
        with self._lock:
            items: list[Item] = []
            taken = 0
            while self._items and (limit is None or taken < limit):
                item = self._items.popleft()
                items.append(item)
                taken += size_of(item)
            self.count -= taken
            if not self._items:
                self._pending = False
            self._lock.notify_all()
            notices = list(self._notices)
            self._notices.clear()
        return items, notices

    def close(self) -> None:
        """No more waiting for room (the engine stops)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
