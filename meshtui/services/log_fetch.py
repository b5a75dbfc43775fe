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
                    previous: bool = False, attempts: int = ATTEMPTS) -> Fetched:
    """Read one container's log now, resuming after cuts; `error` is set when it could not be completed."""
    fetched = Fetched(source)
    owner = _Once(fetched)
    reader = StreamReader(kube, owner)
    errors = stream_errors()
    failures = 0
    started = time.monotonic()
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
            cause = f"stream cut ({type(exc).__name__})"
            failures = failures + 1 if owner.position == position else 0  # progress is not a failure
        except KubeApiError as exc:
            if exc.status == 404 or (400 <= exc.status < 500 and exc.status not in (408, 429)):
                fetched.error = exc.message
                return fetched
            cause, failures = exc.message, failures + 1
        except MeshtuiError as exc:
            cause, failures = exc.message, failures + 1
        if failures >= attempts:
            fetched.error = f"gave up after {failures} failed attempts in {time.monotonic() - started:.1f} s: {cause}"
            return fetched
        if failures:
            time.sleep(backoff(failures))
        fetched.notices.append(Notice("retry", source, cause, since=owner.position, attempts=failures))
