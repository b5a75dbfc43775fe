"""What a container tail delivers and reports: where lines come from, the lines, notices, states.

The vocabulary shared by the tails that produce it (`log_tail`, `log_fetch`), the
engine's buffer and model, the CLI's writer and the Logs panel. Lines travel as
`Chunk`s, complete stamped lines in one `bytes` (no object per line); everything a
user should hear about (a reconnect, a gap, a restart, an end) is a `Notice`, worded
here once for every consumer; `TailState` is what a tail is doing now. Nothing here
reads or talks to anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from meshtui.domain.timefmt import format_ns
from meshtui.services.log_cause import Cause
from meshtui.services.log_stamps import Position


class TailState(str, Enum):
    STARTING = "starting"
    FOLLOWING = "following"
    RECONNECTING = "reconnecting"
    WAITING = "waiting"
    ENDED = "ended"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Source:
    """Where lines come from: one instance (restart count) of one container of one pod."""

    namespace: str
    pod: str
    container: str
    version: str
    instance: int

    @property
    def name(self) -> str:
        return f"{self.namespace}/{self.pod}/{self.container}"


@dataclass(slots=True)
class Chunk:
    """Complete lines from one source, in order: stamped (`STAMP text\\n`) unless `stamped` is False;
    or a restart marker (`marker` set, `data` its text)."""

    source: Source
    data: bytes
    count: int
    marker: str | None = None
    stamped: bool = True


@dataclass(frozen=True)
class Notice:
    """Something a tail wants the user to know: reconnected, gap, restarted, ended, failed, state."""

    kind: str
    source: Source
    message: str
    since: Position | None = None
    until: int | None = None
    seconds: float = 0.0
    attempts: int = 0
    cause: Cause | None = None
    """Why the stream was down (`reconnected`); `message` holds its words."""

    def text(self) -> str:
        where = f"{self.source.name} (#{self.source.instance})"
        if self.kind == "reconnected":
            point = f"the line at {format_ns(self.since.ts)}" if self.since else "its first line"
            return (f"{where}: {self.message}; reconnected after {self.seconds:.2f} s on attempt {self.attempts}, "
                    f"resuming from {point}")
        if self.kind == "retry":
            point = f"from {format_ns(self.since.ts)}" if self.since else "from the start"
            tries = f" (attempt {self.attempts + 1})" if self.attempts else ""
            return f"{where}: {self.message}; reading again {point}{tries}"
        if self.kind == "gap":
            start = format_ns(self.since.ts) if self.since else "its start"
            end = format_ns(self.until) if self.until else "its end"
            return f"{where}: LINES LOST between {start} and {end}: {self.message} (the API cannot say how many)"
        if self.kind == "restarted":
            return f"{where}: container restarted" + (f" ({self.message})" if self.message else "")
        return f"{where}: {self.kind}" + (f": {self.message}" if self.message else "")
