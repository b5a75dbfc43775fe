"""A DataTable that is updated by row key: no clear-and-refill, cursor stays on its row.

The owner computes the rows it wants (key -> cells) in the order it wants; `sync`
removes departed rows, adds new ones, rewrites only the cells that changed and
re-sorts only when the order changed. The row under the cursor keeps the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist, RowKey


class KeyedTable(DataTable):
    """Rows keyed by a stable id; `sync()` applies the difference."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns = list(columns)
        self._cells: dict[str, tuple] = {}
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
    def _signature(cells: tuple) -> tuple:
        """Cells compared by text AND style (rich Text equality ignores the base style)."""
        return tuple((c.plain, str(c.style), tuple(c.spans)) if isinstance(c, Text) else c for c in cells)

    def _reorder(self, order: list[str]) -> None:
        # DataTable.sort() sorts by cell values; we already know the order we want, so
        # set the row locations the same way sort() does (Textual 8.x internals).
        self._row_locations = TwoWayDict({RowKey(key): index for index, key in enumerate(order)})
        self._update_count += 1
        self.refresh()

    def sync(self, rows: dict[str, tuple], order: list[str]) -> bool:
        """Make the table show exactly `rows` in `order`; returns True when anything changed."""
        selected = self.selected_key()
        changed = False
        for key in [k for k in self._cells if k not in rows]:
            try:
                self.remove_row(key)
            except RowDoesNotExist:
                pass
            del self._cells[key]
            changed = True
        new_rows = []
        column_keys = [key for _, key in self._columns]
        for key in order:
            cells = rows[key]
            old = self._cells.get(key)
            if old is None:
                new_rows.append((key, cells))
            else:
                before, after = self._signature(old), self._signature(cells)
                if before != after:
                    for index, (was, now) in enumerate(zip(before, after, strict=True)):
                        if was != now:
                            self.update_cell(key, column_keys[index], cells[index])
                    changed = True
            self._cells[key] = cells
        for key, cells in new_rows:
            self.add_row(*cells, key=key)
        changed = changed or bool(new_rows)
        if order != self._row_order:
            self._reorder(order)
            self._row_order = list(order)
            changed = True
        if selected is not None and selected in self._cells:
            try:
                index = self.get_row_index(selected)
            except RowDoesNotExist:
                index = None
            if index is not None and index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)
        return changed
