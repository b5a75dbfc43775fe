"""How lines get from the log engine into the Logs view: paced drains, a paused view that loses nothing
unsaid, stream-event markers, and the view's moving keys listed at the panel.

Pacing: the engine (services, no Textual) tails in threads and only signals; a bounded batch
is drained at most every DRAIN_PERIOD (a flood repaints the view 30 times a second, not once
per arriving batch) and keys run between batches; a key that changes the view (wrap, JSON,
timestamps) is painted before the next batch is appended.

Pausing: a paused view never evicts: every line the user paused on, above or below the
screen, stays. It takes new lines while its buffer has room (keeping room for the markers a
batch may bring); once full, what arrives is dropped and counted, never shown. The status
line says so while it lasts, and when the view takes lines again (End or Space resumes, `x`
clears) a marker line tells how many were dropped, at their place: right after the lines the
user paused on (`logs_marks`). Following, the view keeps the newest lines, the oldest kept
are evicted at the cap and counted; lines the engine itself dropped (more arrived than the
view took) are told by the same marker.

Keys: help (`?`) and the palette list a panel's own bindings, and the keys that move through
the lines belong to the view; the panel repeats them (same ids, so a remap moves both) and
runs them on the view. While the query box has the focus they are left to it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from meshtui.services.log_model import StreamSummary
from meshtui.ui.panels.logs_marks import StreamMarks
from meshtui.ui.widgets.log_view import LogView

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget

    from meshtui.services.logs import LogSource

    _Panel = Widget
else:
    _Panel = object

DRAIN_BATCH = 2_000
DRAIN_PERIOD = 1 / 30
"""At most this often a drained batch reaches the view: a flood repaints the view 30 times a second, not once
per arriving batch, and keys run in between (lines wait at most this long more)."""

HELP_WORDS = {
    "logs.up": "Line up (pauses following)",
    "logs.down": "Line down",
    "logs.pageup": "Page up (pauses following)",
    "logs.pagedown": "Page down",
    "logs.top": "Oldest line kept (pauses following)",
    "logs.follow": "Follow: jump to the end and resume",
}


def view_keys() -> list[BindingType]:
    """The view's bindings as the panel lists them (off the key bar: the view's own are shown there)."""
    out: list[BindingType] = []
    for binding in LogView.BINDINGS:
        assert isinstance(binding, Binding) and binding.id in HELP_WORDS, binding
        out.append(Binding(binding.key, binding.action, HELP_WORDS[binding.id], show=False, id=binding.id))
    return out


VIEW_ACTIONS = {"cursor", "page", "top", "follow"}


class Intake(_Panel):
    """Drains the engine into the view (a mixin for `LogsPanel`)."""

    engine: LogSource | None
    received: int
    dropped: int
    full: bool
    summary: StreamSummary | None
    last_event: str
    marks: StreamMarks
    _drained_at: float
    _drain_timer: Timer | None
    _held: bool

    if TYPE_CHECKING:
        @property
        def view(self) -> LogView: ...
        def _status(self) -> None: ...

    def _schedule_drain(self) -> None:
        """Drain now, or once DRAIN_PERIOD has passed since the last drain (one pending drain at most)."""
        if self._drain_timer is not None or self._held:
            return
        wait = self._drained_at + DRAIN_PERIOD - time.monotonic()
        if wait <= 0:
            self._drain()
        else:
            self._drain_timer = self.set_timer(wait, self._timed_drain, name="logs-drain")

    def _timed_drain(self) -> None:
        self._drain_timer = None
        if self._held:
            return
        self._drain()

    def _hold_drain(self) -> None:
        """A key changed the view: paint that first, append the next batch after the repaint."""
        if not self._held:
            self._held = True
            self.call_after_refresh(self._release_drain)

    def _release_drain(self) -> None:
        self._held = False
        self._schedule_drain()

    def _room(self, gaps: int) -> int | None:
        """Lines the view takes now: all when following; when paused, what fits without evicting (`gaps`: new
        gap notices, whose markers need room too)."""
        view = self.view
        if view.following:
            return None
        return max(0, view.lines.capacity - len(view.lines) - self.marks.reserve - gaps)

    def _drain(self) -> None:
        engine = self.engine
        if engine is None:
            return
        self._drained_at = time.monotonic()
        batch = engine.drain(DRAIN_BATCH)
        lines, cut = batch.lines, []
        room = self._room(sum(1 for notice in batch.notices if notice.kind == "gap"))
        self.full = room is not None and len(lines) >= room
        if room is not None and len(lines) > room:  # paused and full: the rest is dropped, counted, told
            lines, cut = lines[:room], lines[room:]
        self.received += sum(1 for line in lines if line.marker is None)
        self.summary = batch.summary or StreamSummary(following=batch.streams)
        if batch.events:
            self.last_event = batch.events[-1]
        lines = self.marks.place(lines, cut, batch.notices, batch.dropped, len(batch.lines) < DRAIN_BATCH,
                                 self.view.lines.capacity)
        self.dropped = batch.dropped + self.marks.cut_lines
        if lines:
            self.view.append(lines)
        self._status()
        if engine.buffered():
            self._schedule_drain()  # after DRAIN_PERIOD: keys and repaints run before the next batch

    # -- the view's keys, run at the panel (see the module docstring) -------------------------
    def action_cursor(self, delta: int) -> None:
        self.view.action_cursor(delta)

    def action_page(self, direction: int) -> None:
        self.view.action_page(direction)

    def action_top(self) -> None:
        self.view.action_top()

    def action_follow(self) -> None:
        self.view.action_follow()
