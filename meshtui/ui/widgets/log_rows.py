"""The Logs view's storage and row arithmetic, kept apart so every operation stays O(visible).

`LineRing` is a fixed-capacity ring of lines with O(1) append, eviction and indexing
(a deque indexes in O(n)), counting what it evicted. It keeps each line as a plain tuple of
its fields (strings and numbers), which Python's cyclic collector stops tracking at once:
20,000 line objects would otherwise live in its oldest generation and be walked by every
full collection (every second or two under a flood); a line object is rebuilt on access,
for the rows on screen. `WrapLayout` maps screen rows to
(line, part) for wrapped lines without ever measuring the whole buffer: the scroll
position in wrap mode is a line index, the screen is filled by walking from the top line
down (or from the last line up when following), and only lines that reach the screen are
measured (cached per line, forgotten when they scroll far away).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import overload

from meshtui.domain.logs import LogLine
from meshtui.domain.user_regex import Searcher

Packed = tuple[str, str, str, str, int, str, int, int, str | None]
"""A kept line: LogLine's fields in order (namespace, pod, container, version, ts, raw, seq, instance, marker)."""


def pack(line: LogLine) -> Packed:
    return (line.namespace, line.pod, line.container, line.version, line.ts, line.raw, line.seq, line.instance,
            line.marker)


class LineRing(Sequence[LogLine]):
    """The newest `capacity` lines; index 0 is the oldest kept."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self.evicted = 0
        """Lines dropped since the last clear (the oldest go first)."""
        self.markers = 0
        """Kept marker lines (restarts, gaps, drops): rows of the view, not log lines."""
        self._items: list[Packed] = []
        self._head = 0

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> LogLine: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[LogLine]: ...
    def __getitem__(self, index: int | slice) -> LogLine | Sequence[LogLine]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return LogLine(*self._packed(index))

    def _packed(self, index: int) -> Packed:
        size = len(self._items)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("line index out of range")
        return self._items[(self._head + index) % size] if size == self.capacity else self._items[index]

    def raw(self, index: int) -> str:
        """The text of the line at `index`, without building the line (a search reads every line)."""
        return self._packed(index)[5]

    def __iter__(self) -> Iterator[LogLine]:
        for packed in self._items[self._head:] + self._items[:self._head]:
            yield LogLine(*packed)

    @property
    def first(self) -> int:
        """The absolute number of the oldest kept line (lines ever appended since clear, minus kept)."""
        return self.evicted

    def extend(self, lines: Iterable[LogLine]) -> int:
        """Append; returns how many old lines were evicted to make room."""
        items, cap, head, evicted, markers = self._items, self.capacity, self._head, 0, self.markers
        for line in lines:
            if line.marker is not None:
                markers += 1
            if len(items) < cap:
                items.append(pack(line))
            else:
                if items[head][8] is not None:
                    markers -= 1
                items[head] = pack(line)
                head = head + 1 if head + 1 < cap else 0
                evicted += 1
        self._head, self.markers = head, markers
        self.evicted += evicted
        return evicted

    def clear(self, capacity: int | None = None) -> None:
        self._items = []
        self._head = 0
        self.evicted = self.markers = 0
        if capacity is not None:
            self.capacity = max(1, capacity)


class WrapLayout:
    """Screen rows of wrapped lines, computed from the lines that reach the screen only."""

    def __init__(self, cells: Callable[[int], int]) -> None:
        self.cells = cells
        """Cell width of the line at a ring index (prefix + text), cached by the caller."""

    def rows_of(self, index: int, width: int) -> int:
        return max(1, -(-self.cells(index) // max(1, width)))

    def tail_top(self, count: int, width: int, height: int) -> int:
        """The first line of the last screenful: the largest scroll position in wrap mode."""
        used = 0
        index = count
        while index > 0:
            rows = self.rows_of(index - 1, width)
            if used + rows > height:
                break
            used += rows
            index -= 1
        return min(index, max(0, count - 1))

    def top_ending_at(self, index: int, width: int, height: int) -> int:
        """The first line of a screen whose last line is `index`."""
        used, first = 0, index
        while first >= 0 and used + self.rows_of(first, width) <= height:
            used += self.rows_of(first, width)
            first -= 1
        return min(first + 1, index)

    def from_top(self, top: int, count: int, width: int, height: int) -> list[tuple[int, int]]:
        """(ring index, part) for each screen row, the line `top` first."""
        rows: list[tuple[int, int]] = []
        index = top
        while len(rows) < height and index < count:
            rows += [(index, part) for part in range(self.rows_of(index, width))]
            index += 1
        return rows[:height]

    def from_bottom(self, count: int, width: int, height: int) -> list[tuple[int, int]]:
        """(ring index, part) for each screen row, the last line's last part on the last row."""
        rows: list[tuple[int, int]] = []
        index = count - 1
        while len(rows) < height and index >= 0:
            rows = [(index, part) for part in range(self.rows_of(index, width))] + rows
            index -= 1
        return rows[-height:] if len(rows) > height else rows


def scan(lines: LineRing, pattern: Searcher, at: int, left: int, forward: bool,
         budget: int) -> tuple[int | None, int, int]:
    """At most `budget` lines of a search, from absolute line `at` (exclusive), wrapping around.

    Returns (ring index of the match or None, where to go on from, lines left to scan).
    """
    count = len(lines)
    step = 1 if forward else -1
    for _ in range(min(budget, left)):
        left -= 1
        index = (at + step - lines.first) % max(1, count)
        at = index + lines.first
        if pattern.search(lines.raw(index)):
            return index, at, left
    return None, at, left
