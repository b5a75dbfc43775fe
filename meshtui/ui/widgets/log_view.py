"""A log view that renders only the rows on screen, so a flood costs what the screen shows.

Lines live in a bounded deque; `render_line` builds each visible row on demand: a
per-pod coloured prefix, the inert (sanitised, truncated) text or a compact JSON/Envoy
summary, highlighted matches, and the cursor row. Scrolling up pauses following; End
resumes it. Wrapping maps lines to screen rows lazily.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from meshtui.domain.logs import LogLine, sanitize, truncate
from meshtui.domain.timefmt import format_ns

PALETTE_KEYS = ["primary", "secondary", "accent", "success", "warning"]
SUMMARY_FIELDS = ("status", "method", "path", "duration", "duration_ms", "upstream_cluster", "request_id", "service",
                  "version")


def compact(line: LogLine) -> str:
    """level / message / selected fields, for JSON and Envoy lines."""
    fields = line.fields
    if not fields:
        return line.raw
    level = str(line.level or "").upper()[:5].ljust(5)
    message = str(fields.get("msg") or fields.get("message") or "")
    extras = " ".join(f"{k}={fields[k]}" for k in SUMMARY_FIELDS if k in fields and str(fields[k]) not in ("", "-")
                      and k not in ("msg",))
    return f"{level} {message}  {extras}".rstrip()


class LogView(ScrollView, can_focus=True):
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

    following = reactive(True)

    class Paused(Message):
        """Following stopped or resumed (the panel's status line shows it)."""

    def __init__(self, max_lines: int = 20000, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lines: deque[LogLine] = deque(maxlen=max_lines)
        self.evicted = 0
        self.cursor = -1
        self.wrap = False
        self.structured = True
        self.timestamps = False
        self.search: re.Pattern[str] | None = None
        self.highlight: re.Pattern[str] | None = None
        self._rows: list[tuple[int, int]] = []
        self._styles: dict[str, Style] = {}
        self._max_width = 0

    # -- content -----------------------------------------------------------------------
    def append(self, batch: Iterable[LogLine]) -> None:
        before = len(self.lines)
        for line in batch:
            if len(self.lines) == self.lines.maxlen:
                self.evicted += 1
                if self.cursor > 0:
                    self.cursor -= 1
            self.lines.append(line)
        if len(self.lines) != before or self.evicted:
            self._relayout()
            if self.following:
                self.cursor = len(self.lines) - 1
                self.scroll_end(animate=False, immediate=True)

    def clear(self) -> None:
        self.lines.clear()
        self.evicted = 0
        self.cursor = -1
        self._relayout()
        self.scroll_home(animate=False)

    def current(self) -> LogLine | None:
        if 0 <= self.cursor < len(self.lines):
            return self.lines[self.cursor]
        return None

    # -- layout ------------------------------------------------------------------------
    def _text(self, line: LogLine) -> str:
        body = compact(line) if self.structured and line.fields else line.raw
        return truncate(sanitize(body))

    def _prefix(self, line: LogLine) -> str:
        stamp = f"{format_ns(line.ts)[11:23]} " if self.timestamps and line.ts else ""
        return f"{stamp}{line.pod} {line.container} "

    def _relayout(self) -> None:
        width = max(20, self.scrollable_content_region.width or 80)
        if self.wrap:
            rows: list[tuple[int, int]] = []
            for index, line in enumerate(self.lines):
                length = len(self._prefix(line)) + len(self._text(line))
                for part in range(max(1, -(-length // width))):
                    rows.append((index, part))
            self._rows = rows
            self.virtual_size = Size(width, len(rows))
        else:
            self._rows = []
            sample = list(self.lines)[-200:]
            self._max_width = max([self._max_width, *(len(self._prefix(x)) + len(self._text(x)) for x in sample)])
            self.virtual_size = Size(self._max_width + 1, len(self.lines))
        self.refresh()

    def on_resize(self) -> None:
        if self.wrap:
            self._relayout()

    # -- rendering ---------------------------------------------------------------------
    def _pod_style(self, pod: str) -> Style:
        style = self._styles.get(pod)
        if style is None:
            theme = self.app.current_theme
            key = PALETTE_KEYS[int(hashlib.md5(pod.encode()).hexdigest(), 16) % len(PALETTE_KEYS)]
            style = Style(color=str(getattr(theme, key) or theme.primary), bold=True)
            self._styles[pod] = style
        return style

    def _marks(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for pattern in (self.search, self.highlight):
            if pattern is not None:
                spans += [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        return sorted(spans)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        if self.wrap:
            if row >= len(self._rows):
                return Strip.blank(width)
            index, part = self._rows[row]
        else:
            if row >= len(self.lines):
                return Strip.blank(width)
            index, part = row, 0
        line = self.lines[index]
        prefix, text = self._prefix(line), self._text(line)
        full = prefix + text
        theme = self.app.current_theme
        base = Style(bgcolor=str(theme.panel)) if index == self.cursor else Style()
        mark = Style(bgcolor=str(theme.warning), color=str(theme.background), bold=True)
        segments: list[Segment] = []
        pod_end = len(prefix) - len(line.container) - 2
        segments.append(Segment(full[:pod_end], base + self._pod_style(line.pod)))
        segments.append(Segment(full[pod_end:len(prefix)], base + Style(dim=True)))
        cursor = len(prefix)
        for start, end in self._marks(text):
            if start + len(prefix) < cursor:
                continue
            segments.append(Segment(full[cursor:start + len(prefix)], base))
            segments.append(Segment(full[start + len(prefix):end + len(prefix)], mark))
            cursor = end + len(prefix)
        segments.append(Segment(full[cursor:], base))
        strip = Strip(segments)
        if self.wrap:
            strip = strip.crop(part * width, (part + 1) * width)
        else:
            strip = strip.crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, base)

    # -- interaction -------------------------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        at_end = new >= self.max_scroll_y - 0.5
        if new < old and not at_end and self.following:
            self.following = False
            self.post_message(self.Paused())

    def action_cursor(self, delta: int) -> None:
        if not self.lines:
            return
        self.cursor = max(0, min(len(self.lines) - 1, (self.cursor if self.cursor >= 0 else len(self.lines) - 1) + delta))
        if self.cursor < len(self.lines) - 1 and self.following:
            self.following = False
            self.post_message(self.Paused())
        self._show_cursor()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_top(self) -> None:
        self.following = False
        self.cursor = 0
        self.post_message(self.Paused())
        self.scroll_home(animate=False)
        self.refresh()

    def action_follow(self) -> None:
        self.following = True
        self.cursor = len(self.lines) - 1
        self.post_message(self.Paused())
        self.scroll_end(animate=False)
        self.refresh()

    def _show_cursor(self) -> None:
        if not self.wrap:
            top = self.scroll_offset.y
            if self.cursor < top:
                self.scroll_to(y=self.cursor, animate=False)
            elif self.cursor >= top + self.size.height:
                self.scroll_to(y=self.cursor - self.size.height + 1, animate=False)
        self.refresh()

    def find(self, forward: bool = True) -> bool:
        """Move the cursor to the next (or previous) line matching the search."""
        if self.search is None or not self.lines:
            return False
        count = len(self.lines)
        start = self.cursor if self.cursor >= 0 else count - 1
        for step in range(1, count + 1):
            index = (start + (step if forward else -step)) % count
            if self.search.search(self._text(self.lines[index])):
                self.following = False
                self.cursor = index
                self.post_message(self.Paused())
                self._show_cursor()
                return True
        return False
