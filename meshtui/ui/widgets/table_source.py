"""What a `VirtualTable` reads: cells, columns, and the row-source protocol (plus a small list source).

The table asks its owner for rows through `RowSource` (how many, which key at an index,
where a key is, the cells of a key), so the owner keeps its data in whatever structure
answers those cheaply; the Overview's pod store answers by bisection. `ListSource` is
the plain version for short lists (nodes, events).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

Cell = tuple[str, str]
"""One cell: (text, tone); tone is "", "ok", "warn", "bad" or "muted"."""

TONES = ("ok", "warn", "bad", "muted")


class RowSource(Protocol):
    """What the table reads from its owner; every call must be cheap (O(1) or O(log n))."""

    def __len__(self) -> int: ...

    def key_at(self, index: int) -> str: ...

    def index_of(self, key: str) -> int | None: ...

    def cells(self, key: str) -> Sequence[Cell]: ...


class ListSource:
    """A small keyed list as a `RowSource` (nodes, events): rows given as {key: cells} in order."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.rows: dict[str, Sequence[Cell]] = {}
        self._index: dict[str, int] = {}

    def set(self, rows: dict[str, Sequence[Cell]], order: list[str]) -> set[str]:
        """Replace the rows; returns the keys whose cells changed (new keys included)."""
        changed = {key for key in order if self.rows.get(key) != rows[key]}
        self.rows = rows
        self.order = list(order)
        self._index = {key: index for index, key in enumerate(self.order)}
        return changed

    def __len__(self) -> int:
        return len(self.order)

    def key_at(self, index: int) -> str:
        return self.order[index]

    def index_of(self, key: str) -> int | None:
        return self._index.get(key)

    def cells(self, key: str) -> Sequence[Cell]:
        return self.rows[key]


@dataclass
class Column:
    label: str
    key: str
    width: int = 0
    """Current width in cells; grows to the widest text seen (or a hint), never past `max_width`."""
    max_width: int = 60
    align: str = "left"
