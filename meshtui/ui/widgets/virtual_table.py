"""A table that draws only the rows on screen, over a keyed row source (20,000 pods, one frame's work).

`DataTable` keeps a widget-side copy of every cell and measures each one, so a 20,000-row
table costs seconds to fill and megabytes to hold. `VirtualTable` keeps nothing but a
small cache of the rows it has drawn: the owner's `RowSource` answers "how many rows",
"which key is at index i", "where is key k" and "the cells of key k", and the table
asks only for the rows inside the viewport (Textual's Line API: `ScrollView` +
`render_line` -> `Strip`). The cursor sits on a key, not an index, so it stays on its
pod when rows arrive, leave or re-sort above it.

Cells are `(text, tone)` pairs. Text is external and hostile: the table passes it through
`inert()` before drawing and never parses markup (segments are built directly). Tones
name component classes (`virtual-table--ok`, `--warn`, `--bad`, `--muted`), so colours
come from theme variables and a theme change only clears the row cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from meshtui.domain.text import inert
from meshtui.ui.widgets.table_source import TONES, Cell, Column, ListSource, RowSource

__all__ = ["TONES", "Cell", "Column", "ListSource", "RowSource", "VirtualTable"]

class VirtualTable(ScrollView, can_focus=True):
    """Rows from a `RowSource`, header pinned, a keyed row cursor; draws O(visible rows) per frame."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("enter", "select", "Select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header", "virtual-table--cursor", "virtual-table--even-row",
        *(f"virtual-table--{tone}" for tone in TONES),
    }
    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .virtual-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .virtual-table--even-row { background: $surface-lighten-1 50%; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--ok { color: $success; }
        & > .virtual-table--warn { color: $warning; }
        & > .virtual-table--bad { color: $error; }
        & > .virtual-table--muted { color: $text-muted; }
    }
    """

    class _RowMessage(Message):
        def __init__(self, table: VirtualTable, key: str | None) -> None:
            super().__init__()
            self.table, self.key = table, key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to another row (`key` is None when the table is empty)."""

    class RowSelected(_RowMessage):
        """Enter (or a click on the cursor row) on a row."""

    class HeaderSelected(Message):
        """A click on a column's header."""

        def __init__(self, table: VirtualTable, column: str) -> None:
            super().__init__()
            self.table, self.column = table, column

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, columns: Sequence[Column], source: RowSource, *, zebra: bool = True,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = [replace(column) for column in columns]  # widths grow per table, not per class
        for column in self.columns:
            column.width = min(max(column.width, cell_len(column.label)), column.max_width)
        self.source = source
        self.zebra = zebra
        self.cursor_key: str | None = None
        self.cursor_row = 0
        self.sorted_by: tuple[str, bool] | None = None
        self._cells: dict[str, tuple[Cell, ...]] = {}

    # -- the owner tells the table what changed ------------------------------------------
    def rows_changed(self, keys: set[str] | None = None) -> None:
        """Cells of `keys` (None: every row) changed; repaint if any of them is on screen."""
        if keys is None:
            self._cells.clear()
            self.refresh()
            return
        visible = False
        for key in keys:
            if self._cells.pop(key, None) is not None:
                visible = True
        if visible:
            self.refresh()

    def rows_moved(self) -> None:
        """Rows were added, removed or re-ordered: keep the cursor on its key, resize, repaint."""
        count = len(self.source)
        self.virtual_size = Size(self._total_width(), count + 1)
        index = self.source.index_of(self.cursor_key) if self.cursor_key is not None else None
        if index is None:
            self._set_cursor(min(self.cursor_row, count - 1), scroll=False)
        elif index != self.cursor_row:
            self.cursor_row = index
        if len(self._cells) > 4 * max(self.size.height, 20):
            self._cells.clear()
        self.refresh()

    def widen(self, widths: dict[str, int]) -> None:
        """Width hints from the owner (e.g. the longest name in the whole store): columns only grow."""
        grew = False
        for column in self.columns:
            wanted = min(widths.get(column.key, 0), column.max_width)
            if wanted > column.width:
                column.width = wanted
                grew = True
        if grew:
            self.virtual_size = Size(self._total_width(), len(self.source) + 1)
            self.refresh()

    def notify_style_update(self) -> None:
        """The CSS changed (a theme switch): colours are resolved again on the next paint."""
        super().notify_style_update()
        self.refresh()

    # -- reading ------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.source)

    def visible_keys(self) -> list[str]:
        """Keys of the rows on screen, top to bottom."""
        first = int(self.scroll_y)
        last = min(len(self.source), first + max(self.size.height - 1, 0))
        return [self.source.key_at(index) for index in range(first, last)]

    def row_text(self, key: str) -> list[str]:
        """The cells of `key` as drawn (inert, uncropped): for tests and the describe title."""
        return [text for text, _ in self._row_cells(key)]

    # -- cursor -------------------------------------------------------------------------
    def move_cursor(self, row: int, *, scroll: bool = True) -> None:
        self._set_cursor(row, scroll=scroll)

    def select_key(self, key: str) -> bool:
        """Put the cursor on `key` (scrolled into view); False when it is not shown."""
        index = self.source.index_of(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def _set_cursor(self, row: int, *, scroll: bool = True) -> None:
        count = len(self.source)
        row = max(0, min(row, count - 1))
        key = self.source.key_at(row) if count else None
        moved = key != self.cursor_key
        self.cursor_row, self.cursor_key = row, key
        if scroll and count:
            self._scroll_to_cursor()
        self.refresh()
        if moved:
            self.post_message(self.RowHighlighted(self, key))

    def _scroll_to_cursor(self) -> None:
        rows_shown = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows_shown:
            self.scroll_to(y=self.cursor_row - rows_shown + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.cursor_row + direction * max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self.source) - 1)

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.RowSelected(self, self.cursor_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + int(self.scroll_x)
            for column in self.columns:
                if x < column.width + 2:
                    self.post_message(self.HeaderSelected(self, column.key))
                    return
                x -= column.width + 2
            return
        row = int(self.scroll_y) + offset.y - 1
        if row < len(self.source):
            was = self.cursor_row
            self._set_cursor(row, scroll=False)
            if was == row or event.chain > 1:
                self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing (Line API) ---------------------------------------------------------------
    def _total_width(self) -> int:
        return sum(column.width + 2 for column in self.columns)

    def _row_cells(self, key: str) -> tuple[Cell, ...]:
        cells = self._cells.get(key)
        if cells is None:
            cells = tuple((inert(text), tone) for text, tone in self.source.cells(key))
            self._cells[key] = cells
            grew = False
            for column, (text, _) in zip(self.columns, cells, strict=False):
                width = min(cell_len(text), column.max_width)
                if width > column.width:
                    column.width = width
                    grew = True
            if grew:  # not while painting: resize after this frame
                self.call_later(self._regrow)
        return cells

    def _regrow(self) -> None:
        self.virtual_size = Size(self._total_width(), len(self.source) + 1)
        self.refresh()

    def _strip(self, cells: Sequence[Cell], style: Style, tones: bool) -> Strip:
        segments = []
        for column, (text, tone) in zip(self.columns, cells, strict=False):
            width = column.width
            length = cell_len(text)
            if length > width:
                text = set_cell_size(text, max(width - 1, 0)) + "…" if width else ""
            elif length < width:
                text = text + " " * (width - length) if column.align == "left" else " " * (width - length) + text
            cell_style = style + self.get_component_rich_style(f"virtual-table--{tone}", partial=True) \
                if tones and tone in TONES else style
            segments.append(Segment(f" {text} ", cell_style))
        return Strip(segments, self._total_width())

    def _header(self) -> Strip:
        style = self.rich_style + self.get_component_rich_style("virtual-table--header")
        labels = []
        for column in self.columns:
            label = column.label
            if self.sorted_by is not None and self.sorted_by[0] == column.key:
                label += " ▼" if self.sorted_by[1] else " ▲"
            labels.append((label, ""))
        return self._strip(labels, style, tones=False)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self.rich_style
        if y == 0:
            strip = self._header()
        else:
            index = int(self.scroll_y) + y - 1
            if index >= len(self.source):
                return Strip.blank(width, base)
            key = self.source.key_at(index)
            style, cursor = base, index == self.cursor_row and key == self.cursor_key
            if cursor:
                style = base + self.get_component_rich_style("virtual-table--cursor")
            elif self.zebra and index % 2:
                style = base + self.get_component_rich_style("virtual-table--even-row")
            strip = self._strip(self._row_cells(key), style, tones=not cursor)
            if style is not base:
                strip = strip.adjust_cell_length(max(strip.cell_length, scroll_x + width), style)
        return strip.crop_extend(scroll_x, scroll_x + width, base)
