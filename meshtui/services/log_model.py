"""The log engine's typed model: which containers a query reads, batches, stream summaries.

Kept apart from the engine so the Logs panel and the CLI can name these types
without starting anything, and so `targets_of` (which containers of a pod a query
reads: running or finished ones, sidecars hidden unless asked) is one rule for the
follow and the no-follow paths. `slow_regex_note` words, once for the whole query,
the lines and names whose user regex timed out (they count as not matching).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from meshtui.domain.logs import LineFilter, LogLine, is_sidecar
from meshtui.domain.user_regex import STREAM_GIVE_UP, UserRegex, slow_note
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import Chunk, Notice, Source, TailState
from meshtui.services.log_stamps import split_stamped


@dataclass(frozen=True)
class Target:
    """One container of one pod that a query reads."""

    namespace: str
    pod: str
    container: str
    version: str
    restarts: int
    uid: str = ""

    def source(self) -> Source:
        return Source(self.namespace, self.pod, self.container, self.version, self.restarts)


@dataclass
class StreamSummary:
    """How the streams are doing, for the status line: following / reconnecting n / waiting / ended."""

    following: int = 0
    reconnecting: int = 0
    waiting: int = 0
    ended: int = 0
    failed: int = 0
    attempts: int = 0
    """The highest number of failed attempts in a row among reconnecting streams."""
    gaps: int = 0
    reconnects: int = 0
    failure: str | None = None
    """Why the engine could not start at all (e.g. deploy/NAME not found)."""
    queued: int = 0
    """Matching containers not followed because `cap` streams are open; they wait for a free slot."""
    cap: int = 0
    """The most containers followed at once (`--max-log-requests`)."""
    regex_timeouts: int = 0
    """Lines (and pod/container names) whose user regex took over its limit: they count as not matching."""
    slow_regex: str = ""
    """What the user is told about them (`slow_regex_note`), "" when there were none."""

    def add(self, state: TailState, attempts: int, gaps: int, reconnects: int) -> None:
        if state in (TailState.FOLLOWING, TailState.STARTING):
            self.following += 1
        elif state is TailState.RECONNECTING:
            self.reconnecting += 1
            self.attempts = max(self.attempts, attempts)
        elif state is TailState.WAITING:
            self.waiting += 1
        elif state is TailState.FAILED:
            self.failed += 1
        else:
            self.ended += 1
        self.gaps += gaps
        self.reconnects += reconnects

    @property
    def live(self) -> int:
        return self.following + self.reconnecting + self.waiting

    @property
    def matched(self) -> int:
        """Containers the query matches now: followed, or waiting for a slot."""
        return self.live + self.queued


@dataclass
class LogBatch:
    """Lines (or, in raw mode, byte chunks) delivered together, plus the engine's counters at that moment."""

    lines: list[LogLine]
    dropped: int = 0
    streams: int = 0
    events: list[str] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    summary: StreamSummary | None = None


class LogSource(Protocol):
    """What the Logs panel uses from a running engine."""

    def drain(self, limit: int | None = None) -> LogBatch: ...
    def buffered(self) -> int: ...
    def stop(self) -> None: ...


class LogSession(Protocol):
    """What the Logs panel uses from the session: start an engine, pivot on a request id."""

    @property
    def default_namespace(self) -> str: ...
    def logs(self, query: LogQuery, on_ready: Callable[[], None]) -> LogSource: ...
    def pivot(self, request_id: str, namespace: str | None) -> list[LogLine]: ...


def regex_timeouts(query: LogQuery) -> tuple[int, int]:
    """(log lines, pod/container names) whose user regex timed out so far, each counted as not matching: the
    query's filters are compiled once (`LogQuery.compiled`) and shared by the engine's threads and the CLI."""
    lines, names = (sum(rx.timeouts for rx in group) for group in _held(query))
    return lines, names


def slow_regex_note(query: LogQuery) -> str:
    """The query's regex timeouts so far, in one line for the user ("" when none): lines that vanished from
    the output because their match took too long, and pods/containers not read for the same reason."""
    counted = [f"{count:,} {what}{'s' if count != 1 else ''}"
               for count, what in zip(regex_timeouts(query), ("line", "pod/container name"), strict=True) if count]
    gave_up = any(rx.gave_up for group in _held(query) for rx in group)
    return slow_note(" and ".join(counted), gave_up=STREAM_GIVE_UP if gave_up else None) if counted else ""


def _held(query: LogQuery) -> tuple[list[UserRegex], list[UserRegex]]:
    """The query's compiled user regexes: those matched on log lines, and those on pod/container names."""
    held = query.compiled.get("lines") or LineFilter()
    groups = ([held.include, held.exclude, *(f.rx for f in held.fields)],
              [query.compiled.get("pod"), *query.compiled.get("containers", ())])
    lines, names = ([rx for rx in group if isinstance(rx, UserRegex)] for group in groups)
    return lines, names


def chunk_lines(chunk: Chunk, errors: str = "replace") -> list[LogLine]:
    """A chunk as line objects (the TUI, `--json` and filters need them; the CLI's fast path does not).

    Bytes that are not UTF-8 become U+FFFD; with `errors="surrogateescape"` (`--json`) they are kept
    (U+DC80..U+DCFF) so the exact bytes can be written too."""
    s = chunk.source
    if chunk.marker is not None:
        return [LogLine(s.namespace, s.pod, s.container, s.version, 0, chunk.data.decode("utf-8", "replace"), 0,
                        s.instance, chunk.marker)]
    lines = chunk.data.split(b"\n")[:-1]
    if not chunk.stamped:
        return [LogLine(s.namespace, s.pod, s.container, s.version, 0, raw.decode("utf-8", errors), 0, s.instance)
                for raw in lines]
    out = []
    for raw in lines:
        ts, text = split_stamped(raw, errors)
        out.append(LogLine(s.namespace, s.pod, s.container, s.version, ts, text, 0, s.instance))
    return out


def declared_sidecars(pod: dict) -> set[str]:
    """Containers Istio says it injected (sidecar.istio.io/status annotation)."""
    raw = (pod.get("metadata", {}).get("annotations") or {}).get("sidecar.istio.io/status")
    try:
        return set(json.loads(raw).get("containers", [])) if raw else set()
    except (ValueError, AttributeError):
        return set()


def targets_of(pod: dict, query: LogQuery) -> list[Target]:
    """The containers of `pod` this query reads (ones that ran at least once; sidecars filtered)."""
    meta = pod.get("metadata", {})
    name = meta.get("name", "")
    pod_regex = query.pod_regex()
    if pod_regex is not None and not pod_regex.search(name):
        return []
    include, exclude = query.container_regexes()
    sidecars = declared_sidecars(pod)
    statuses = {s.get("name"): s for s in pod.get("status", {}).get("containerStatuses") or []}
    containers = pod.get("spec", {}).get("containers", [])
    version = (meta.get("labels") or {}).get("version", "")
    out = []
    for container in containers:
        cname = container.get("name", "")
        status = statuses.get(cname)
        if status is None or not ((status.get("state") or {}).get("running") or (status.get("state") or {}).get(
                "terminated") or (status.get("lastState") or {}).get("terminated")):
            continue
        if not query.sidecars and is_sidecar(cname, sidecars, len(containers)) and not (
                include is not None and include.search(cname)):
            continue
        if include is not None and not include.search(cname):
            continue
        if exclude is not None and exclude.search(cname):
            continue
        out.append(Target(meta.get("namespace", ""), name, cname, version, int(status.get("restartCount", 0)),
                          meta.get("uid", "")))
    return out
