"""A log view whose every operation costs what the screen shows, whatever the buffer holds.

Lines live in a `LineRing` (capacity from the settings or the query's `--buffer`; the
evicted count is kept). Only rows on screen are built, on demand in `render_line`: a
per-pod coloured prefix, the inert (sanitised, truncated) text or a compact JSON/Envoy
summary, search and highlight marks, the cursor row. Wrapping never measures the
buffer: in wrap mode the scroll position is a line index and the screen is laid out
from the lines that reach it (`WrapLayout`). Appending a batch, wrap, resize, a theme
change, pause and follow are O(visible); search scans in bounded steps between frames.
Scrolling up pauses following; End resumes it (keys, scrolling and search: `LogViewMoves`).
Stream events (a restart, lines lost, lines dropped at the cap) are lines too, with `marker`
set: kept, scrolled and searched like the others, drawn whole in a theme colour.

When the first batch arrives, everything the app, the session and the log engine built is
frozen out of Python's cyclic collector (`gc.freeze`): under a flood its full passes came
every second or two and walked ~140,000 objects (0.1-0.3 s each, each one a stall felt as
a late key or wrap toggle); they now walk the few thousand objects made since. Objects that
die later are still freed by reference counting; unmounting the view (the app ends) gives
everything back to the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from rich.cells import cell_len
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.strip import Strip
from textual.theme import Theme

from meshtui.domain.logs import LogLine, truncate
from meshtui.domain.text import inert
from meshtui.domain.timefmt import format_ns
from meshtui.domain.user_regex import Searcher
from meshtui.ui.widgets.log_rows import LineRing, WrapLayout
from meshtui.ui.widgets.log_style import LineLook, compact
from meshtui.ui.widgets.log_view_moves import LogViewMoves

STRIPS_KEPT = 256
"""Styled rows kept between frames (a few screenfuls); past this the cache starts afresh (kept small: rows
that live long reach the oldest garbage-collector generation and make its full passes longer)."""


class LogView(LogViewMoves, can_focus=True):
    """Bounded, follow-able, searchable lines."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="logs.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="logs.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="logs.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="logs.pagedown"),
        Binding("home", "top", "Top", show=False, id="logs.top"),
        Binding("end", "follow", "Follow", id="logs.follow"),
    ]
    DEFAULT_CSS = "LogView { height: 1fr; }"

    def __init__(self, max_lines: int = 20000, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lines = LineRing(max_lines)
        self.wrap = False
        self.structured = True
        self.timestamps = False
        self._search: Searcher | None = None
        self._highlight: Searcher | None = None
        self.searching = False
        self._cursor = -1  # absolute line number (ring index + evicted), -1: none
        self._layout = WrapLayout(self._cells)
        self._texts: dict[int, tuple[str, str]] = {}
        self._strips: dict[tuple[int, bool], Strip] = {}
        self._rows: list[tuple[int, int]] = []
        self._rows_key: tuple[object, ...] = ()
        self._look = LineLook()
        self._max_width = 0
        self._version = 0
        self._search_at = 0
        self._search_left = 0
        self._search_forward = True
        self._froze = False

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def on_unmount(self) -> None:
        if self._froze:
            gc.unfreeze()

    def _freeze(self) -> None:
        if self.is_mounted:
            gc.freeze()

    # -- content -----------------------------------------------------------------------------
    @property
    def search(self) -> Searcher | None:
        return self._search

    @search.setter
    def search(self, pattern: Searcher | None) -> None:
        self._search = pattern
        self._changed(restyle=True)

    @property
    def highlight(self) -> Searcher | None:
        return self._highlight

    @highlight.setter
    def highlight(self, pattern: Searcher | None) -> None:
        self._highlight = pattern
        self._changed(restyle=True)

    @property
    def evicted(self) -> int:
        return self.lines.evicted

    def append(self, batch: Iterable[LogLine]) -> None:
        """Add lines: O(batch) to store, O(visible) to show."""
        batch = list(batch)
        if not batch:
            return
        evicted = self.lines.extend(batch)
        if not self._froze:  # the first lines: what exists now lives for the session (see the docstring)
            self._froze = True
            self.call_after_refresh(self._freeze)
        widest = max(cell_len(line.pod) + cell_len(line.container) + min(len(line.raw), 2020) for line in batch) + 16
        self._max_width = max(self._max_width, widest)
        if len(self._texts) > 8192:
            self._texts.clear()
        self._changed()
        if self.following:
            self._cursor = self.lines.first + len(self.lines) - 1
            self._update_size()
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        else:
            self._update_size()
            if evicted:  # keep the same lines on screen while the oldest go
                self.scroll_to(y=max(0, self.scroll_y - evicted), animate=False, immediate=True)

    def clear(self, capacity: int | None = None) -> None:
        self.lines.clear(capacity)
        self._cursor = -1
        self._texts.clear()
        self._max_width = 0
        self._changed(restyle=True)
        self._update_size()
        self.scroll_home(animate=False)

    def current(self) -> LogLine | None:
        index = self.cursor
        return self.lines[index] if index >= 0 else None

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        self._changed()
        self._update_size()
        self._show_cursor()

    def set_structured(self, structured: bool) -> None:
        self.structured = structured
        self._texts.clear()
        self._changed(restyle=True)

    def set_timestamps(self, timestamps: bool) -> None:
        self.timestamps = timestamps
        self._texts.clear()
        self._changed(restyle=True)

    def _changed(self, restyle: bool = False) -> None:
        """The rows on screen may have moved; `restyle`: how lines look changed too (styled rows rebuilt).

        Styled rows are whole unwrapped lines kept per (line, cursor): appending, scrolling, moving the
        cursor and toggling wrap reuse them, so a wrap toggle repaints without restyling a line.
        """
        self._version += 1
        if restyle or len(self._strips) > STRIPS_KEPT:
            self._strips.clear()
        self.refresh()

    def _theme_changed(self) -> None:
        self._look.clear()
        self._changed(restyle=True)

    # -- measuring and layout ----------------------------------------------------------------
    def _parts(self, index: int) -> tuple[str, str]:
        """(prefix, text) of the line at ring index `index`, both inert; cached per absolute line."""
        key = index + self.lines.first
        cached = self._texts.get(key)
        if cached is None:
            line = self.lines[index]
            cached = self._texts[key] = (self._prefix(line), self._text(line))
        return cached

    def _text(self, line: LogLine) -> str:
        body = compact(line) if self.structured and line.fields else line.raw
        return truncate(inert(body))

    def _prefix(self, line: LogLine) -> str:
        if not line.pod and line.marker is not None:
            return ""  # a marker about no one container (lines dropped at the cap)
        stamp = f"{format_ns(line.ts)[11:23]} " if self.timestamps and line.ts else ""
        return f"{stamp}{inert(line.pod)} {inert(line.container)} "

    def _cells(self, index: int) -> int:
        prefix, text = self._parts(index)
        return cell_len(prefix) + cell_len(text)

    def _update_size(self) -> None:
        if self.wrap:
            top = self._layout.tail_top(len(self.lines), self._width, self._height) if self.lines else 0
            self._set_virtual_size(Size(1, top + self._height))  # nothing to scroll sideways
        else:
            self._set_virtual_size(Size(self._max_width, len(self.lines)))

    def _screen_rows(self, width: int | None = None, height: int | None = None) -> list[tuple[int, int]]:
        """(ring index, part) per screen row for the current scroll position; O(visible)."""
        width, height, count = width or self._width, height or self._height, len(self.lines)
        top = int(self.scroll_y)
        key = (self._version, top, width, height, self.wrap, self.following)
        if key != self._rows_key:
            if not self.wrap:
                rows = [(top + y, 0) for y in range(height) if top + y < count]
            elif self.following or top >= self.max_scroll_y:
                rows = self._layout.from_bottom(count, width, height)
            else:
                rows = self._layout.from_top(top, count, width, height)
            self._rows, self._rows_key = rows, key
        return self._rows

    def on_resize(self) -> None:
        self._update_size()
        if self.following:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self._changed()

    # -- rendering ---------------------------------------------------------------------------
    def _strip(self, index: int, theme: Theme) -> Strip:
        """The whole (unwrapped) row of one line, styled; kept until the look changes (see `_changed`)."""
        line = index + self.lines.first
        key = (line, line == self._cursor)
        strip = self._strips.get(key)
        if strip is None:
            prefix, text = self._parts(index)
            strip = self._strips[key] = self._look.strip(self.lines[index], prefix, text, theme, key[1],
                                                         (self._search, self._highlight))
        return strip

    def render_line(self, y: int) -> Strip:
        region = self.scrollable_content_region  # measured once per row, not once per helper
        width = region.width
        rows = self._screen_rows(max(10, width or 80), max(1, region.height or self.size.height or 1))
        if y >= len(rows):
            return Strip.blank(width)
        index, part = rows[y]
        theme = self.app.current_theme
        strip = self._strip(index, theme)
        if self.wrap:
            strip = strip.crop(part * width, (part + 1) * width)
        else:
            strip = strip.crop(int(self.scroll_x), int(self.scroll_x) + width)
        base = Style(bgcolor=str(theme.panel)) if index + self.lines.first == self._cursor else Style()
        return strip.extend_cell_length(width, base)

