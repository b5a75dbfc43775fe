"""A DataTable that is updated by row key: no clear-and-refill, the cursor stays on its row.

For the small tables (checks, steps, hosts, usage rows): the owner computes the rows it
wants (key -> cells) in the order it wants; `sync` removes departed rows, adds new ones,
rewrites only the cells that changed and re-sorts only when the order changed. Public
Textual API only: rows are re-ordered with `DataTable.sort`, whose key reads the row key
carried by the row's first cell. Large collections (20,000 pods) use `VirtualTable`,
which draws only the rows on screen.

Cells are external text: a `str` becomes an inert `Text` (DataTable would parse a `str`
as markup, so a name like `[/var]` would crash it), a `Text` keeps its styles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from meshtui.domain.text import inert

Row = Sequence[object]


class _RowText(Text):
    """The first cell of a row: a `Text` that knows its row's key (read by the sort key)."""

    __slots__ = ("row_key",)

    def __init__(self, text: Text, row_key: str) -> None:
        super().__init__(text.plain, style=text.style, justify=text.justify, overflow=text.overflow,
                         no_wrap=text.no_wrap, end=text.end, spans=list(text.spans))
        self.row_key = row_key


def _as_text(value: object) -> Text:
    if isinstance(value, Text):
        return value
    if isinstance(value, float):
        return Text(f"{value:.2f}")
    return Text(inert(value))


class KeyedTable(DataTable[Text]):
    """Rows keyed by a stable id; `sync()` applies the difference."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns = list(columns)
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._row_order: list[str] = []

    def on_mount(self) -> None:
        for label, key in self._columns:
            self.add_column(label, key=key)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._row_order)

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return row_key.value

    @staticmethod
    def _signature(cells: tuple[Text, ...]) -> tuple[object, ...]:
        """Cells compared by text AND style (rich Text equality ignores the base style)."""
        return tuple((c.plain, str(c.style), tuple(c.spans)) for c in cells)

    def _prepare(self, key: str, cells: Row) -> tuple[Text, ...]:
        texts = [_as_text(cell) for cell in cells]
        if texts:
            texts[0] = _RowText(texts[0], key)
        return tuple(texts)

    def sync(self, rows: Mapping[str, Row], order: list[str], changed: Iterable[str] | None = None) -> bool:
        """Make the table show exactly `rows` in `order`; returns True when anything changed.

        `changed`, when given, lists the only keys whose cells may differ (others are
        not compared), which keeps a large table cheap to update.
        """
        selected = self.selected_key()
        changed_any = False
        for key in [k for k in self._cells if k not in rows]:
            try:
                self.remove_row(key)
            except RowDoesNotExist:
                pass
            del self._cells[key]
            changed_any = True
        column_keys = [key for _, key in self._columns]
        candidates = order if changed is None else [k for k in changed if k in rows] + \
            [k for k in order if k not in self._cells]
        shown = [k for k in self._row_order if k in self._cells]
        for key in candidates:
            cells = self._prepare(key, rows[key])
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
                shown.append(key)
                changed_any = True
            else:
                before, after = self._signature(old), self._signature(cells)
                if before != after:
                    for index, (was, now) in enumerate(zip(before, after, strict=True)):
                        if was != now:
                            self.update_cell(key, column_keys[index], cells[index], update_width=True)
                    changed_any = True
            self._cells[key] = cells
        if order != shown:
            position = {key: index for index, key in enumerate(order)}
            self.sort(key=lambda cells: position[cells[0].row_key])
            changed_any = True
        self._row_order = list(order)
        if selected is not None and selected in self._cells:
            index = self.get_row_index(selected)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)
        return changed_any
