"""No-follow reads: one container's log as it is now, complete despite cuts and errors.

`fetch_container` reads the current instance once (the query's tail and since window)
with timestamps, resuming from the last line after a cut and retrying 5xx, 429 and
connection errors with bounded backoff. Each reconnect is one `reconnected` notice (time
without a stream, attempts), as in a follow. It gives up only after `attempts` failures in
a row (about 6 s of backoff), and then says so: the caller (`meshtui logs --no-follow`)
exits non-zero. A follow never gives up: it retries every 5 s at most until stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from meshtui.adapters.kube import KubeApiError, KubeClient
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_cause import Cause, cause_of
from meshtui.services.log_plain import PLAIN_TIMEOUT, RECENT, PlainProgress, read_plain
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
        self.cut_at: float | None = None
        self.limit: int | None = None
        self.kept = 0
        self.cause = Cause("stream_cut", "stream cut")
        self.attempts = 0

    @property
    def source(self) -> Source:
        return self.fetched.source

    def failed(self, cause: Cause) -> None:
        """A read was cut or refused: remembered until the next one opens (one notice per reconnect)."""
        if self.cut_at is None:
            self.cut_at, self.cause, self.attempts = time.monotonic(), cause, 0
        self.attempts += 1

    def on_open(self, confirm: bool) -> None:
        """A read opened after failures: one `reconnected` notice, as a follow stream gives."""
        if self.cut_at is not None:
            self.fetched.notices.append(Notice("reconnected", self.source, self.cause.text, since=self.position,
                                               seconds=time.monotonic() - self.cut_at, attempts=self.attempts + 1,
                                               cause=self.cause))
            self.cut_at = None

    def on_chunk(self, chunk: Chunk, position: Position | None) -> None:
        self.position = position
        if self.limit is not None:  # `--tail N`: the N lines there were when asked, as kubectl gives
            room = self.limit - self.kept
            if room <= 0:
                return
            if chunk.count > room:
                end = -1
                for _ in range(room):
                    end = chunk.data.index(b"\n", end + 1)
                chunk = Chunk(chunk.source, chunk.data[:end + 1], room, stamped=chunk.stamped)
            self.kept += chunk.count
        self.fetched.chunks.append(chunk)

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
    if tail is not None and tail >= 0 and not previous:
        owner.limit = tail  # a resumed read must not add the lines written since the first one began
    reader = StreamReader(kube, owner)
    errors = stream_errors()
    while True:
        if owner.limit and owner.kept >= owner.limit:
            return fetched  # the N lines are there: what was written since is not asked for
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
            tries.failed(cause_of(exc, reader.timeout), progress=owner.position != position)
        except KubeApiError as exc:
            if exc.status == 404 or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                fetched.error = exc.message
                return fetched
            tries.failed(cause_of(exc))
        except MeshtuiError as exc:
            tries.failed(cause_of(exc))
        owner.failed(tries.cause)
        if tries.exhausted:
            fetched.error = tries.give_up()
            return fetched
        tries.wait()


class _Tries:
    """Failures in a row (progress resets them), bounded backoff, and the message when giving up."""

    def __init__(self, attempts: int) -> None:
        self.attempts, self.count, self.started = attempts, 0, time.monotonic()
        self.cause = Cause("stream_cut", "stream cut")

    def failed(self, cause: Cause, progress: bool = False) -> None:
        self.cause = cause
        self.count = 0 if progress else self.count + 1

    @property
    def exhausted(self) -> bool:
        return self.count >= self.attempts

    def wait(self) -> None:
        if self.count:
            time.sleep(backoff(self.count))

    def give_up(self) -> str:
        return (f"gave up after {self.count} failed attempts in {time.monotonic() - self.started:.1f} s: "
                f"{self.cause.text}")


def _plain(kube: KubeClient, fetched: Fetched, tries: _Tries) -> _Once | None:
    """The unstamped whole-log read. None when done (or failed); else the owner to go on stamped with."""
    errors = stream_errors()
    progress = PlainProgress()
    while True:
        try:
            read_plain(kube, fetched.source, fetched.chunks, progress)
            return None
        except errors as exc:
            tries.failed(cause_of(exc, PLAIN_TIMEOUT))
        except KubeApiError as exc:
            if exc.status == 404 or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                fetched.error = exc.message
                return None
            tries.failed(cause_of(exc))
        except MeshtuiError as exc:
            tries.failed(cause_of(exc))
        if progress.count:
            skipping = _Skip(fetched, progress)
            skipping.failed(tries.cause)  # its first read says "reconnected", as any resumed read does
            return skipping
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
