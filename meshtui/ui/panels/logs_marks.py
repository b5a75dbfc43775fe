"""Stream events shown inside the Logs view as lines of their own: restarts, gaps, lines dropped at the cap.

One mechanism for all of them: a `LogLine` whose `marker` names the event (the engine already
puts `restarted` markers in the stream). Such a line is kept, scrolled, searched (`/`) and
saved like a log line, but it is never counted as a received line, never highlighted, and
never removed by the query's filters (`-i`, `-e`, `level>=`, `status=`): a filter narrows the
lines a user wants to see, a gap or a drop is a fact about all of them, and hiding it would
hide the very loss the marker is there to tell.

Where a marker goes:
- a gap (`Notice(kind="gap")`) comes beside the lines, not among them: the engine keeps its
  notices apart and hands all of them over with each drained batch, while lines may still be
  queued behind. A tail reports a gap after delivering every line before it and before any line
  after it, so the marker goes right before the first line of its container that is past the gap
  (a later instance, or a later stamp than the last line delivered), or after the batch once the
  queue has been emptied (every line before the gap has then been shown);
- lines dropped before the view showed them (by a paused view whose buffer is full, or by the
  engine when more arrived than the view took: it drops the oldest queued) lie between the last
  line shown and the first line of the next batch the view takes: the marker goes there, with
  their count.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshtui.domain.logs import LogLine
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_reader import Notice

GAP = "gap"
DROPPED = "dropped"
RESTARTED = "restarted"


def gap_window(notice: Notice) -> str:
    """`from A until B`, `from A` when the end is unknown; A is the last line shown (or the instance's start)."""
    start = format_ns(notice.since.ts) if notice.since is not None else "its first line"
    return f"from {start} until {format_ns(notice.until)}" if notice.until else f"from {start}"


def gap_text(notice: Notice) -> str:
    s = notice.source
    return (f"── LINES LOST: {s.pod}/{s.container} (#{s.instance}) {gap_window(notice)}: {notice.message} "
            "(the API cannot say how many) ──")


def gap_line(notice: Notice) -> LogLine:
    s = notice.source
    return LogLine(s.namespace, s.pod, s.container, s.version, 0, gap_text(notice), 0, s.instance, GAP)


def dropped_line(count: int, cap: int, paused: bool) -> LogLine:
    why = ("while the view was paused with its buffer full" if paused
           else "they arrived faster than the view took them")
    text = (f"── {count:,} line{'s' if count != 1 else ''} dropped here at the buffer cap ({cap:,} lines): "
            f"{why} ──")
    return LogLine("", "", "", "", 0, text, 0, 0, DROPPED)


def past_gap(line: LogLine, notice: Notice) -> bool:
    """`line` comes from the gap's container and after it (delivered after the gap was reported)."""
    s = notice.source
    if line.marker in (GAP, DROPPED) or line.pod != s.pod or line.container != s.container \
            or line.namespace != s.namespace:
        return False
    if line.instance != s.instance:
        return line.instance > s.instance
    if line.marker is not None:
        return False  # the restart marker that began this instance
    return notice.since is None or line.ts > notice.since.ts


class StreamMarks:
    """Gaps waiting for their place, and lines dropped but not yet told in the view."""

    def __init__(self) -> None:
        self.pending: list[Notice] = []
        self.dropped_told = 0
        """The engine's dropped count already told by a marker."""
        self.cut_lines = 0
        """Lines a paused, full view dropped (since the query started)."""
        self._untold_cut = 0

    def reset(self) -> None:
        self.pending.clear()
        self.dropped_told = self.cut_lines = self._untold_cut = 0

    @property
    def reserve(self) -> int:
        """Marker lines the next batch may add (a paused view keeps room for them): its gaps, a drop before
        it and a drop after it."""
        return len(self.pending) + 2

    def place(self, lines: list[LogLine], cut: list[LogLine], notices: Iterable[Notice], dropped: int,
              emptied: bool, cap: int) -> list[LogLine]:
        """`lines` with the markers they bring, ready for the view.

        `cut`: the lines after them a paused, full view could not take; `dropped`: the engine's count of
        lines it dropped; `emptied`: this batch emptied the engine's queue (nothing older is left in it).
        """
        self.pending += [n for n in notices if n.kind == GAP]
        out = lines
        if lines and (self._untold_cut or dropped > self.dropped_told):  # dropped before these lines
            out = [dropped_line(self._untold_cut + dropped - self.dropped_told, cap, self._untold_cut > 0), *lines]
            self.dropped_told, self._untold_cut = dropped, 0
        waiting = []
        for notice in self.pending:
            at = next((i for i, line in enumerate(out) if past_gap(line, notice)), None)
            if at is None and not (emptied and lines and not cut):
                waiting.append(notice)  # lines before the gap may still be queued, or were cut
                continue
            out = out[:at] + [gap_line(notice)] + out[at:] if at is not None else [*out, gap_line(notice)]
        self.pending = waiting
        count = sum(1 for line in cut if line.marker is None)  # a restart among them is not a line
        self.cut_lines += count
        self._untold_cut += count
        if out and self._untold_cut:  # dropped right after these lines
            out = [*out, dropped_line(self._untold_cut, cap, True)]
            self._untold_cut = 0
        return out
