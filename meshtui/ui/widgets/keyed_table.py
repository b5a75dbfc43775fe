"""A DataTable that is updated by row key: no clear-and-refill, cursor stays on its row.

The owner computes the rows it wants (key -> cells) in the order it wants; `sync`
removes departed rows, adds new ones, rewrites only the cells that changed and
re-sorts only when the order changed. The row under the cursor keeps the cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import CellDoesNotExist, DuplicateKey, RowDoesNotExist, RowKey


class KeyedTable(DataTable):
    """Rows keyed by a stable id; `sync()` applies the difference."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns = list(columns)
        self._cells: dict[str, tuple] = {}
        self._widths: dict[int, int] = {}
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

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable measures every cell of every new row through Rich, which dominates a
        # 5,000-row first load; our cells are one-line str/Text whose widths `_add_rows`
        # already took. (Same bookkeeping as Textual 8's version, minus auto-height rows.)
        for index, column in enumerate(self.ordered_columns):
            width = self._widths.get(index, 0)
            if width > column.content_width:
                column.content_width = width
        total_width = sum(column.get_render_width(self) for column in self.columns.values())
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(total_width + self._row_label_column_width, self._total_row_height + header_height)

    def _add_rows(self, items: list[tuple[str, tuple]]) -> None:
        """Add many one-line rows at once: add_row's bookkeeping, with one refresh for all."""
        columns = self.ordered_columns
        first = self.row_count == 0
        widths = self._widths
        for key, cells in items:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = {column.key: cell for column, cell in zip(columns, cells, strict=False)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            for index, cell in enumerate(cells):
                width = cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
                if width > widths.get(index, 0):
                    widths[index] = width
        if not items:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if first and len(self.columns) and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def sync(self, rows: dict[str, tuple], order: list[str], changed: Iterable[str] | None = None) -> bool:
        """Make the table show exactly `rows` in `order`; returns True when anything changed.

        `changed`, when given, lists the only keys whose cells may differ (others are
        not compared), which keeps a 5,000-row table cheap to update.
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
        new_rows = []
        column_keys = [key for _, key in self._columns]
        candidates = order if changed is None else [k for k in changed if k in rows] + \
            [k for k in order if k not in self._cells]
        for key in candidates:
            cells = rows[key]
            old = self._cells.get(key)
            if old is None:
                new_rows.append((key, cells))
            else:
                before, after = self._signature(old), self._signature(cells)
                if before != after:
                    for index, (was, now) in enumerate(zip(before, after, strict=True)):
                        if was != now:
                            self.update_cell(key, column_keys[index], cells[index], update_width=True)
                    changed_any = True
            self._cells[key] = cells
        self._add_rows(new_rows)
        changed_any = changed_any or bool(new_rows)
        if order != self._row_order:
            self._reorder(order)
            self._row_order = list(order)
            changed_any = True
        if selected is not None and selected in self._cells:
            try:
                index = self.get_row_index(selected)
            except RowDoesNotExist:
                index = None
            if index is not None and index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)
        return changed_any
