"""One container's log stream that survives drops and restarts without losing a line.

The stream is always requested with timestamps. When it ends or breaks, the tail asks
the API server for the lines since the last timestamp it delivered and skips what it
already has (servers may round sinceTime down to the second): everything older, and
as many lines with exactly the last timestamp as it had already delivered. After a
restart it first reads what the previous instance wrote since then. So the consumer
sees each line once, in order, however often the connection drops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for, shutdown_response
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.logs import LogLine
from meshtui.domain.timefmt import format_ns

_SECOND_CACHE: dict[str, int] = {}


def fast_ts(text: bytes) -> int:
    """`2026-11-24T16:00:00.1234Z` -> ns; the seconds part is cached (lines share seconds)."""
    head = text[:19].decode("ascii", "replace")
    seconds = _SECOND_CACHE.get(head)
    if seconds is None:
        seconds = int(datetime.fromisoformat(head).replace(tzinfo=timezone.utc).timestamp())
        if len(_SECOND_CACHE) > 4096:
            _SECOND_CACHE.clear()
        _SECOND_CACHE[head] = seconds
    frac = text[20:-1] if len(text) > 20 and text[19:20] == b"." else b""
    return seconds * 1_000_000_000 + int((frac + b"000000000")[:9] or 0)


def split_stamped(raw: bytes) -> tuple[int, str]:
    """A `timestamps=true` line -> (ns, decoded text without the newline)."""
    stamp, _, rest = raw.partition(b" ")
    try:
        ts = fast_ts(stamp)
    except ValueError:
        return 0, raw.rstrip(b"\n").decode("utf-8", "replace")
    return ts, rest.rstrip(b"\n").decode("utf-8", "replace")


class ContainerTail:
    """Follows one container until its pod is gone or `stop()`."""

    def __init__(self, kube: KubeClient, namespace: str, pod: str, container: str, version: str, *,
                 emit: Callable[[list[LogLine]], None], tail: int | None, since_seconds: int | None,
                 restarts: int = 0, on_event: Callable[[str], None] | None = None) -> None:
        self.kube = kube
        self.namespace, self.pod, self.container, self.version = namespace, pod, container, version
        self.emit = emit
        self.first_tail, self.first_since = tail, since_seconds
        self.restarts = restarts
        self.on_event = on_event or (lambda message: None)
        self.last_ts = 0
        self.same_ts_count = 0
        self.delivered = 0
        self.reconnects = 0
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._response: Any = None
        self._thread: threading.Thread | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.namespace, self.pod, self.container

    def start(self) -> ContainerTail:
        self._thread = threading.Thread(target=self._run, name=f"tail:{self.pod}/{self.container}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._response is not None:
            shutdown_response(self._response)

    def _params(self, previous: bool = False) -> dict[str, Any]:
        params: dict[str, Any] = {"container": self.container, "timestamps": True, "follow": not previous}
        if previous:
            params["previous"] = True
        if self.last_ts:
            # Nanosecond precision: a server that honours it resends only the lines at
            # exactly last_ts (skipped below); one that truncates to the second resends
            # that whole second, which the same check skips.
            params["sinceTime"] = format_ns(self.last_ts)
        else:
            if self.first_tail is not None:
                params["tailLines"] = self.first_tail
            if self.first_since is not None:
                params["sinceSeconds"] = self.first_since
        return params

    def _accept(self, raw: bytes, budget: list[int], batch: list[LogLine]) -> None:
        ts, text = split_stamped(raw)
        if self.last_ts:
            if ts < self.last_ts:
                return
            if ts == self.last_ts and budget[0] > 0:
                budget[0] -= 1
                return
        if ts == self.last_ts:
            self.same_ts_count += 1
        else:
            self.last_ts, self.same_ts_count = ts, 1
        self.delivered += 1
        batch.append(LogLine(self.namespace, self.pod, self.container, self.version, ts, text, self.delivered))

    def _consume(self, response: Any) -> None:
        """Read whatever is available, emit it as one batch, repeat until EOF."""
        budget = [self.same_ts_count if self.last_ts else 0]
        pending = b""
        while not self._stop.is_set():
            chunk = response.read1(262144)
            if not chunk:
                break
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            batch: list[LogLine] = []
            for raw in lines:
                self._accept(raw, budget, batch)
            if batch:
                self.emit(batch)
        # A partial line left in `pending` means the stream was cut mid-line; it is not
        # delivered: its timestamp is newer than `last_ts`, so the resumed stream sends it whole.

    def _open(self, previous: bool = False) -> Any:
        path = path_for("", "v1", "pods", self.namespace, self.pod, "log")
        return self.kube.open_stream(path, query=self._params(previous), accept="*/*")

    def _pod_state(self) -> tuple[bool, int]:
        """(pod still exists, restart count of this container)."""
        try:
            pod = self.kube.get(path_for("", "v1", "pods", self.namespace, self.pod))
        except KubeApiError as exc:
            if exc.status == 404:
                return False, self.restarts
            raise
        if pod.get("metadata", {}).get("deletionTimestamp"):
            return False, self.restarts
        for status in pod.get("status", {}).get("containerStatuses", []):
            if status.get("name") == self.container:
                return True, int(status.get("restartCount", 0))
        return True, self.restarts

    def _run(self) -> None:
        import http.client

        import urllib3

        backoff = 0.2
        try:
            while not self._stop.is_set():
                try:
                    response = self._open()
                    self._response = response
                    try:
                        self._consume(response)
                    finally:
                        self._response = None
                        response.release_conn()
                    backoff = 0.2
                except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError,
                        AttributeError) as exc:
                    # A cut connection surfaces from http.client in several shapes (incomplete
                    # chunk, closed file object); all of them mean "resume from last_ts".
                    if self._stop.is_set():
                        break
                    self.on_event(f"{self.pod}/{self.container}: stream dropped ({type(exc).__name__}), resuming")
                except KubeApiError as exc:
                    if exc.status == 404:
                        break
                    if exc.status == 400 and "waiting to start" in exc.api_message:
                        self._stop.wait(0.5)
                        continue
                    self.on_event(f"{self.pod}/{self.container}: {exc.api_message}")
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                except MeshtuiError as exc:
                    self.on_event(f"{self.pod}/{self.container}: {exc.message}")
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if self._stop.is_set():
                    break
                exists, restarts = self._pod_state()
                if not exists:
                    break
                if restarts > self.restarts:
                    self._catch_up_previous()
                    self.restarts = restarts
                    self.on_event(f"{self.pod}/{self.container}: restarted (#{restarts}), following the new instance")
                self.reconnects += 1
        except MeshtuiError as exc:
            self.on_event(f"{self.pod}/{self.container}: {exc.message}")
        finally:
            self.finished.set()

    def _catch_up_previous(self) -> None:
        """Lines the previous instance wrote after our last one (if a drop hid them)."""
        try:
            response = self._open(previous=True)
        except MeshtuiError:
            return
        try:
            self._consume(response)
        finally:
            response.release_conn()
