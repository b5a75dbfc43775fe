"""Reading one log response of one container, and how a tail knows it may deliver what it read.

A response is consumed in chunks of complete stamped lines (one `bytes` each, no
object per line). When the request resumed from a position, the reader first skips
what was delivered before (older stamps, and as many lines with the last stamp as
were delivered: servers may round `sinceTime` down to the second) and insists on
seeing the last delivered line again: if the first new line comes without it, the
stream is on another instance or the lines in between were rotated away, and the
owning tail is asked what to do before anything is delivered. What is delivered (chunks,
notices) is named in `log_events`; those names are imported from here too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for, shutdown_connection, shutdown_response
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_events import Chunk, Notice, Source, TailState
from meshtui.services.log_stamps import Position, advance, stamp_at

__all__ = ["Anomaly", "Chunk", "Notice", "ReaderOwner", "Source", "StreamReader", "TailState", "container_status",
           "stream_errors"]

READ_SIZE = 262_144
HOLDS_LIMIT = 4 << 20
"""Bytes read from a previous instance's log to find one line (lines of one second before it, at most)."""


class Anomaly(Exception):
    """A resumed stream's first new line came without the last delivered one."""

    def __init__(self, position: Position, first_ts: int) -> None:
        super().__init__(f"resumed at {position.ts}, first line at {first_ts}")
        self.position, self.first_ts = position, first_ts


class ReaderOwner(Protocol):
    namespace: str
    pod: str

    @property
    def source(self) -> Source: ...
    def on_open(self, confirm: bool) -> None: ...
    def on_chunk(self, chunk: Chunk, position: Position | None) -> None: ...
    def on_anomaly(self, anomaly: Anomaly) -> None: ...
    def on_gap(self, start: Position, first_ts: int) -> None: ...


def stream_errors() -> tuple[type[BaseException], ...]:
    """What a cut connection raises (imported late: light commands never load urllib3)."""
    import http.client

    import urllib3

    return (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError, AttributeError)


def container_status(pod: dict | None, container: str) -> dict | None:
    for status in (pod or {}).get("status", {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return status
    return None


class StreamReader:
    """Opens and consumes log responses for one container; another thread may interrupt it (for good)."""

    def __init__(self, kube: KubeClient, owner: ReaderOwner) -> None:
        self.kube = kube
        self.owner = owner
        self.interrupted = False
        """Set by `interrupt()` (the tail is stopping), never cleared: every response is cut from then on."""
        self.timeout: tuple[float, float | None] = (5.0, None)
        """The (connect, read) timeout of the last response opened: what a timed-out read waited."""
        self.boundary_seen = False
        """The last read showed the last delivered line again (its stream is on our instance, nothing rotated)."""
        self._responses: list[Any] = []
        """The responses open now: a stream, and a look made while it is open (the log's start, the previous log)."""
        self._waiting: Any = None
        """The connection of the open in progress, once its request is sent: it waits for the response."""
        self._lock = threading.Lock()

    def interrupt(self) -> None:
        """Unblock every pending read and cut any response opened later (the socket is shut down; the read
        raises or ends). For good: a stream the owner opens after this, or goes back to, must not block it;
        nor an open waiting for a response that may never come (a follow's has no read timeout)."""
        with self._lock:
            self.interrupted = True
            responses, waiting = list(self._responses), self._waiting
        if waiting is not None:
            shutdown_connection(waiting)
        for response in responses:
            shutdown_response(response)

    def _announced(self, connection: Any) -> None:
        """The open's request was sent on `connection` (this thread); it waits for the response next."""
        with self._lock:
            self._waiting = connection
            interrupted = self.interrupted
        if interrupted:
            shutdown_connection(connection)  # the wait ends at once: the open raises

    def read(self, params: dict[str, object], *, verify: Position | None, accept_gap: bool, confirm: bool,
             deliver: bool = True) -> tuple[bool, Position | None]:
        """Read one response to its end; returns (ended cleanly, position after it). Raises when cut."""
        self.boundary_seen = False
        timeout = (5.0, None) if params.get("follow") else (5.0, 120.0)
        with self._opened(params, timeout) as response:
            self.owner.on_open(confirm)
            return self._consume(response, verify, accept_gap, deliver)

    @contextmanager
    def _opened(self, query: dict[str, object], timeout: tuple[float, float | None]) -> Iterator[Any]:
        """A log response that `interrupt()` can cut while it is read; released to the pool after."""
        owner = self.owner
        path = path_for("", "v1", "pods", owner.namespace, owner.pod, "log")
        self.timeout = timeout
        if self.interrupted:
            raise ConnectionAbortedError("interrupted")
        try:
            response = self.kube.open_stream(path, query=query, timeout=timeout, accept="*/*",
                                             announce=self._announced)
        finally:
            with self._lock:
                self._waiting = None
        with self._lock:
            self._responses.append(response)  # a look made while a stream is open nests
            interrupted = self.interrupted
        try:
            if interrupted:
                shutdown_response(response)
            yield response
        except BaseException:
            response.close()  # abandoned half read (a cut, a restart found): never back to the pool mid-stream
            raise
        finally:
            with self._lock:
                self._responses.remove(response)
            response.release_conn()

    def first_stamp(self) -> int | None:
        """The stamp of the first line the node still keeps for the container (None: its log is empty,
        -1: not a stamp). A few bytes from the log's start: whether a line we know of was rotated away."""
        query: dict[str, object] = {"container": self.owner.source.container, "timestamps": True, "limitBytes": 128}
        with self._opened(query, (5.0, 30.0)) as response:
            try:
                data = self._start_of(response)
            finally:
                response.close()  # never back to the pool half read
        return stamp_at(data, 0)[0] if data else None

    def previous_from(self, position: Position) -> int | None:
        """The stamp of the previous instance's first line at or after our last line, None when it has none
        (no previous instance, or an older one). Equal to ours: it holds our last line, so the container
        restarted and the pod's status does not say so yet (a kubelet reports a restart after its next
        relist). Later than ours: an instance newer than our last line is the previous one now."""
        query: dict[str, object] = {"container": self.owner.source.container, "timestamps": True, "previous": True,
                                    "sinceTime": format_ns(position.ts)}
        try:
            with self._opened(query, (5.0, 30.0)) as response:
                try:
                    return self._first_from(response, position.ts)
                finally:
                    response.close()
        except KubeApiError as exc:
            if exc.status == 400:  # no previous instance
                return None
            raise

    def _first_from(self, response: Any, ts: int) -> int | None:
        pending, read = b"", 0
        while read < HOLDS_LIMIT:
            chunk = response.read1(READ_SIZE)
            if not chunk:
                if self.interrupted:
                    raise ConnectionAbortedError("interrupted")
                return None
            read += len(chunk)
            data = pending + chunk
            start, end = 0, data.rfind(b"\n") + 1
            while start < end:
                stamp, after = stamp_at(data, start)
                if stamp >= ts:
                    return stamp
                start = after
            pending = data[end:]
        return None

    def _start_of(self, response: Any) -> bytes:
        """The first bytes of a limited response: enough for the first stamp, whatever cuts it after that."""
        data = b""
        while len(data) < 4096:  # the server stops at limitBytes; a cut after the stamp does not matter
            try:
                chunk = response.read1(4096)
            except stream_errors():
                if b" " in data:
                    break
                raise
            if not chunk:
                break
            data += chunk
        if self.interrupted:
            raise ConnectionAbortedError("interrupted")
        return data

    def _consume(self, response: Any, verify: Position | None, accept_gap: bool,
                 deliver: bool) -> tuple[bool, Position | None]:
        owner = self.owner
        position = verify
        budget = verify.same if verify is not None else 0
        boundary = self.boundary_seen = False
        pending = b""
        while True:
            chunk = response.read1(READ_SIZE)
            if not chunk:
                if self.interrupted:  # our own shutdown, not the end of the log
                    raise ConnectionAbortedError("interrupted")
                return True, position  # a partial line left in `pending` was cut: its stamp is newer, it comes again
            data = pending + chunk if pending else chunk
            end = data.rfind(b"\n") + 1
            pending, data = data[end:], data[:end]
            if not data:
                continue
            if verify is not None:
                start = 0
                while start < len(data):
                    ts, after = stamp_at(data, start)
                    if 0 <= ts < verify.ts or (ts == verify.ts and budget > 0):
                        boundary = self.boundary_seen = boundary or ts == verify.ts
                        budget -= ts == verify.ts
                        start = after
                        continue
                    if not boundary:
                        if accept_gap:
                            owner.on_gap(verify, ts)
                        else:
                            owner.on_anomaly(Anomaly(verify, ts))  # raises to abandon this stream, or accepts
                    break
                data = data[start:]
                if start < end:
                    verify = None  # verified: the rest of this stream is new, in order
                if not data:
                    continue
            position = advance(position, data)
            if deliver:
                owner.on_chunk(Chunk(owner.source, data, data.count(b"\n")), position)
