"""The Logs panel's status line: what the streams are doing and what the view holds.

One line, rebuilt from counters only (O(1)): following / paused, streams following,
reconnecting (with the longest run of failed attempts), waiting, ended, failed, gaps
(lines that were truly lost), lines received, lines kept against the cap, evicted (the
oldest kept, gone to make room) and dropped (never shown: they came while the view was
full and paused, or faster than it took them; each drop is also a marker line in the view),
the toggles, the query, and a sticky error when the last query was rejected. A paused view
that is full says that new lines are being dropped. A query that matches more containers than
it follows at once (`--max-log-requests`, 100 by default here) says so early in the line, with
what to do about it; so does a query whose regex was too slow on some lines (they count as not
matching and would otherwise vanish unsaid), with how many.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.theme import Theme

from meshtui.domain.text import inert
from meshtui.services.log_model import StreamSummary


@dataclass
class StatusFacts:
    following: bool
    searching: bool
    received: int
    kept: int
    cap: int
    evicted: int
    dropped: int
    full: bool
    """The view is paused and its buffer full: new lines are dropped (and counted) until it resumes."""
    flags: list[str]
    query: str
    summary: StreamSummary | None
    error: str | None = None
    event: str = ""


def status_text(facts: StatusFacts, theme: Theme) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if facts.error:
        text.append(f"✘ {inert(facts.error)}", style=f"bold {theme.error}")
        text.append("  (fix the query and press Enter; Esc keeps the running one)", style="dim")
        if facts.query:
            text.append(f"  still showing: {inert(facts.query)}", style="dim")
        return text
    summary = facts.summary or StreamSummary()
    if summary.failure:
        text.append(f"✘ {inert(summary.failure)}  ", style=f"bold {theme.error}")
    if facts.following:
        text.append("● following", style=str(theme.success))
    elif facts.full:
        text.append("⏸ paused, view full: new lines are dropped (End resumes)", style=f"bold {theme.warning}")
    else:
        text.append("⏸ paused (End resumes)", style=str(theme.warning))
    if facts.searching:
        text.append("  searching…", style=str(theme.accent))
    if summary.queued:  # the query matches more containers than are followed at once: said first, not cut off
        text.append(f"  ⚠ following {summary.live:,} of {summary.matched:,} containers (cap; narrow with -l or a "
                    "pod name, or raise with --max-log-requests N)", style=f"bold {theme.warning}")
    if summary.slow_regex:  # lines left out because their match took too long: said, never silent
        text.append(f"  ⚠ {inert(summary.slow_regex)}", style=f"bold {theme.warning}")
    text.append(f"  streams: {summary.following} following")
    if summary.reconnecting:
        text.append(f", {summary.reconnecting} reconnecting", style=f"bold {theme.warning}")
        if summary.attempts:
            text.append(f" (attempt {summary.attempts + 1})", style=str(theme.warning))
    if summary.waiting:
        text.append(f", {summary.waiting} waiting")
    if summary.ended:
        text.append(f", {summary.ended} ended", style="dim")
    if summary.failed:
        text.append(f", {summary.failed} failed", style=f"bold {theme.error}")
    if summary.gaps:
        text.append(f"  ⚠ {summary.gaps} gap{'s' if summary.gaps != 1 else ''}: lines lost",
                    style=f"bold {theme.error}")
    text.append(f"  {facts.received:,} lines · {facts.kept:,}/{facts.cap:,} kept")
    if facts.evicted:
        text.append(f" · {facts.evicted:,} evicted", style=str(theme.warning))
    if facts.dropped:
        text.append(f" · {facts.dropped:,} dropped at the cap", style=f"bold {theme.warning}")
    text.append(f"  [{' '.join(facts.flags)}]", style="dim")
    if facts.query:
        text.append(f"  {inert(facts.query)}", style="dim")
    if facts.event:
        text.append(f"  · {inert(facts.event)}", style="dim italic")
    return text
