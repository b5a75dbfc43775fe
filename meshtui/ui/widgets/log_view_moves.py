"""The Logs view's cursor, keys, scrolling and stepped search, apart from how it measures and draws lines.

Every move is O(visible): the cursor is an absolute line number, a wrapped screen is found from
the lines that reach it (`WrapLayout`), a search scans SEARCH_STEP lines between frames. The
scrollable size changes without a screen layout unless a scrollbar comes or goes: under a flood
a layout on every batch, and on every wrap toggle, cost tens of milliseconds each.
`LogView` (log_view.py) supplies the lines, the rows on screen and the repaint.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView

from meshtui.domain.user_regex import Searcher
from meshtui.ui.widgets.log_rows import LineRing, WrapLayout, scan

SEARCH_STEP = 4000
"""Lines scanned per step of a search; the event loop renders and reads keys between steps."""


class LogViewMoves(ScrollView):
    """Cursor, follow/pause, paging, search steps and the scrollable size of a view of `lines`."""

    following = reactive(True)

    class Paused(Message):
        """Following stopped or resumed (the panel's status line shows it)."""

    class Searched(Message):
        """A search ended: `found` is False when no line matches."""

        def __init__(self, found: bool) -> None:
            super().__init__()
            self.found = found

    lines: LineRing
    wrap: bool
    searching: bool
    _cursor: int
    _layout: WrapLayout
    _search_at: int
    _search_left: int
    _search_forward: bool

    @property
    def search(self) -> Searcher | None:
        raise NotImplementedError

    def _changed(self, restyle: bool = False) -> None:
        raise NotImplementedError

    def _screen_rows(self, width: int | None = None, height: int | None = None) -> list[tuple[int, int]]:
        raise NotImplementedError

    def _update_size(self) -> None:
        raise NotImplementedError

    @property
    def cursor(self) -> int:
        index = self._cursor - self.lines.first
        return index if 0 <= index < len(self.lines) else -1

    @cursor.setter
    def cursor(self, index: int) -> None:
        self._cursor = -1 if index < 0 else index + self.lines.first
        self._changed()

    @property
    def _width(self) -> int:
        return max(10, self.scrollable_content_region.width or 80)

    @property
    def _height(self) -> int:
        return max(1, self.scrollable_content_region.height or self.size.height or 1)

    def _set_virtual_size(self, size: Size) -> None:
        """A new scrollable size; a screen layout only when a scrollbar appears or goes.

        Assigning `virtual_size` lays the whole screen out again (tens of ms under a flood, on every
        batch in wrap mode and on every wrap toggle); when both scrollbars stay as they are, nothing on
        screen moves but this view and its bars, so only they are updated and repainted.
        """
        if size == self.virtual_size:
            return
        width, height = self.container_size
        bars = self.styles.scrollbar_size_vertical, self.styles.scrollbar_size_horizontal
        across, down = size.width > width, size.height > height
        if down and not across:
            across = size.width > width - bars[0]
        if across and not down:
            down = size.height > height - bars[1]
        auto = self.styles.overflow_x == "auto" and self.styles.overflow_y == "auto"
        if not (self.is_mounted and width and height and auto and (across, down) == (
                self.show_horizontal_scrollbar, self.show_vertical_scrollbar)):
            self.virtual_size = size
            return
        self.set_reactive(LogViewMoves.virtual_size, size)
        if down:
            self.vertical_scrollbar.window_virtual_size = size.height
        if across:
            self.horizontal_scrollbar.window_virtual_size = size.width
        self.scroll_x, self.scroll_y = self.scroll_x, self.scroll_y  # validated against the new size
        self.refresh()

    # -- interaction -------------------------------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new < self.max_scroll_y - 0.5 and self.following:
            self.following = False
            self.post_message(self.Paused())

    def action_cursor(self, delta: int) -> None:
        if not self.lines:
            return
        last = len(self.lines) - 1
        current = self.cursor if self.cursor >= 0 else last
        self.cursor = max(0, min(last, current + delta))
        if self.cursor < last and self.following:
            self.following = False
            self.post_message(self.Paused())
        self._show_cursor()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self._height - 1))

    def action_top(self) -> None:
        self.following = False
        self.cursor = 0
        self.post_message(self.Paused())
        self.scroll_home(animate=False)

    def action_follow(self) -> None:
        self.following = True
        self.cursor = len(self.lines) - 1
        self.post_message(self.Paused())
        self._update_size()
        self.scroll_to(y=self.max_scroll_y, animate=False)

    def _show_cursor(self) -> None:
        """Scroll so the cursor line is on screen; O(visible)."""
        index = self.cursor
        if index < 0:
            return
        top = int(self.scroll_y)
        if self.wrap:
            rows = self._screen_rows()
            shown = {i for i, _ in rows}
            if index not in shown or (rows and index == rows[-1][0] and index != len(self.lines) - 1):
                if index < (rows[0][0] if rows else 0):
                    self.scroll_to(y=index, animate=False, immediate=True)
                else:  # put the cursor line at the bottom
                    top = self._layout.top_ending_at(index, self._width, self._height)
                    self.scroll_to(y=top, animate=False, immediate=True)
        elif index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + self._height:
            self.scroll_to(y=index - self._height + 1, animate=False, immediate=True)
        self._changed()

    def find(self, forward: bool = True) -> None:
        """Move the cursor to the next (or previous) matching line; scans in steps, posts `Searched`."""
        if self.search is None or not self.lines:
            self.post_message(self.Searched(False))
            return
        start = self.cursor if self.cursor >= 0 else len(self.lines) - 1
        self._search_at = start + self.lines.first
        self._search_left = len(self.lines)
        self._search_forward = forward
        self.searching = True
        self._search_step()

    def _search_step(self) -> None:
        if not self.searching or self.search is None:
            return
        found, self._search_at, self._search_left = scan(self.lines, self.search, self._search_at,
                                                         self._search_left, self._search_forward, SEARCH_STEP)
        if found is not None:
            self.searching = False
            self.following = False
            self.cursor = found
            self.post_message(self.Paused())
            self._show_cursor()
            self.post_message(self.Searched(True))
        elif self._search_left > 0:
            self.set_timer(0.001, self._search_step)  # let a frame and the keys in
        else:
            self.searching = False
            self.post_message(self.Searched(False))
