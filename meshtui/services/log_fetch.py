"""No-follow reads: one container's log as it is now, complete despite cuts and errors.

`fetch_container` reads the current instance once (the query's tail and since window)
with timestamps, resuming from the last line after a cut and retrying 5xx, 429 and
connection errors with bounded backoff. It gives up only after `attempts` failures in a
row, and then says so: the caller (e.g. `meshtui logs --no-follow`) exits non-zero.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from meshtui.adapters.kube import KubeApiError, KubeClient
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_plain import RECENT, PlainProgress, read_plain
from meshtui.services.log_reader import Anomaly, Chunk, Notice, Source, StreamReader, stream_errors
from meshtui.services.log_stamps import Position
from meshtui.services.log_tail import backoff

ATTEMPTS = 8


@dataclass
class Fetched:
    """One container's log: its chunks in order, what went wrong on the way, and whether it is complete."""

    source: Source
    chunks: list[Chunk] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    error: str | None = None

    @property
    def lines(self) -> int:
        return sum(chunk.count for chunk in self.chunks)

    @property
    def data(self) -> bytes:
        return b"".join(chunk.data for chunk in self.chunks)


class _Once:
    """The reader's owner for a one-shot read: collects chunks, turns anomalies into reported gaps."""

    def __init__(self, fetched: Fetched) -> None:
        self.fetched = fetched
        self.position: Position | None = None
        self.namespace, self.pod = fetched.source.namespace, fetched.source.pod

    @property
    def source(self) -> Source:
        return self.fetched.source

    def on_open(self, confirm: bool) -> None:
        pass

    def on_chunk(self, chunk: Chunk, position: Position | None) -> None:
        self.fetched.chunks.append(chunk)
        self.position = position

    def on_anomaly(self, anomaly: Anomaly) -> None:
        self.on_gap(anomaly.position, anomaly.first_ts)

    def on_gap(self, start: Position, first_ts: int) -> None:
        self.fetched.notices.append(Notice("gap", self.source, "log rotated or container restarted while reading",
                                           since=start, until=first_ts))


def fetch_container(kube: KubeClient, source: Source, *, tail: int | None, since_seconds: int | None,
                    previous: bool = False, attempts: int = ATTEMPTS, plain: bool = False) -> Fetched:
    """Read one container's log now, resuming after cuts; `error` is set when it could not be completed.

    `plain`: a whole-log read may go without timestamps (`log_plain`), the CLI's fast path.
    """
    fetched = Fetched(source)
    owner = _Once(fetched)
    tries = _Tries(attempts)
    if plain and tail is None and since_seconds is None and not previous:
        skipping = _plain(kube, fetched, tries)
        if skipping is None:
            return fetched
        owner = skipping
    reader = StreamReader(kube, owner)
    errors = stream_errors()
    while True:
        position = owner.position
        params: dict[str, object] = {"container": source.container, "timestamps": True}
        if previous:
            params["previous"] = True
        if position is not None:
            params["sinceTime"] = format_ns(position.ts)
        else:
            if tail is not None:
                params["tailLines"] = tail
            if since_seconds is not None:
                params["sinceSeconds"] = since_seconds
        try:
            reader.read(params, verify=position, accept_gap=True, confirm=False)
            return fetched
        except errors as exc:
            tries.failed(f"stream cut ({type(exc).__name__})", progress=owner.position != position)
        except KubeApiError as exc:
            if exc.status == 404 or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                fetched.error = exc.message
                return fetched
            tries.failed(exc.message)
        except MeshtuiError as exc:
            tries.failed(exc.message)
        if tries.exhausted:
            fetched.error = tries.give_up()
            return fetched
        tries.wait()
        fetched.notices.append(Notice("retry", source, tries.cause, since=owner.position, attempts=tries.count))


class _Tries:
    """Failures in a row (progress resets them), bounded backoff, and the message when giving up."""

    def __init__(self, attempts: int) -> None:
        self.attempts, self.count, self.cause, self.started = attempts, 0, "", time.monotonic()

    def failed(self, cause: str, progress: bool = False) -> None:
        self.cause = cause
        self.count = 0 if progress else self.count + 1

    @property
    def exhausted(self) -> bool:
        return self.count >= self.attempts

    def wait(self) -> None:
        if self.count:
            time.sleep(backoff(self.count))

    def give_up(self) -> str:
        return f"gave up after {self.count} failed attempts in {time.monotonic() - self.started:.1f} s: {self.cause}"


def _plain(kube: KubeClient, fetched: Fetched, tries: _Tries) -> _Once | None:
    """The unstamped whole-log read. None when done (or failed); else the owner to go on stamped with."""
    errors = stream_errors()
    progress = PlainProgress()
    while True:
        try:
            read_plain(kube, fetched.source, fetched.chunks, progress)
            return None
        except errors as exc:
            tries.failed(f"stream cut ({type(exc).__name__})")
        except KubeApiError as exc:
            if exc.status == 404 or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                fetched.error = exc.message
                return None
            tries.failed(exc.message)
        except MeshtuiError as exc:
            tries.failed(exc.message)
        if progress.count:
            fetched.notices.append(Notice("retry", fetched.source, tries.cause, attempts=tries.count))
            return _Skip(fetched, progress)
        if tries.exhausted:
            fetched.error = tries.give_up()
            return None
        tries.wait()


class _Skip(_Once):
    """Going on stamped from the start after a cut plain read: the lines already delivered are skipped."""

    def __init__(self, fetched: Fetched, progress: PlainProgress) -> None:
        super().__init__(fetched)
        self.skip, self.expect = progress.count, progress.recent
        self.seen: list[bytes] = []

    def on_chunk(self, chunk: Chunk, position: Position | None) -> None:
        self.position = position
        if self.skip > 0:
            lines = chunk.data.split(b"\n")[:-1]  # rare fallback: objects per line are fine here
            take = min(self.skip, len(lines))
            self.seen = (self.seen + [line.partition(b" ")[2] for line in lines[:take]])[-RECENT:]
            self.skip -= take
            if self.skip == 0 and self.seen != self.expect[-len(self.seen):]:
                self.fetched.notices.append(Notice("gap", self.source, "log rotated while reading: lines after "
                                                   "the first cut may be missing or repeated"))
            rest = lines[take:]
            if not rest:
                return
            chunk = Chunk(chunk.source, b"\n".join(rest) + b"\n", len(rest))
        self.fetched.chunks.append(chunk)
