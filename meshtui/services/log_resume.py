"""How one container tail reads: resumable requests, and what a resumed stream must show.

`ResumingTail` holds where a tail stands in a container instance (the last delivered
line's ns and how many lines share it) and turns that into requests: `sinceTime` from
the last line (whose return is checked, see `log_reader`), or after it (1 ns later)
when a connection keeps dropping right after showing it, with the instance confirmed by
asking the pod and the log's first stamp read to learn whether the node rotated our
last line away meanwhile (then what followed it may be gone: a gap). `ContainerTail` (log_tail) decides what to read and when.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import NoReturn

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_cause import Cause
from meshtui.services.log_reader import (
    Anomaly,
    Chunk,
    Notice,
    Source,
    StreamReader,
    TailState,
    container_status,
)
from meshtui.services.log_stamps import Position

BACKOFF_FIRST = 0.05
BACKOFF_MAX = 5.0


class Restarted(Exception):
    """The pod says the container restarted: go and read the previous instance."""


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1, 2, ...): doubling, capped, with jitter."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempt - 1)) * (0.8 + 0.4 * random.random())


class ResumingTail:
    """A container's position and the resumable reads made from it."""

    def __init__(self, kube: KubeClient, pod: dict, container: str, *, deliver: Callable[[Chunk], None],
                 notify: Callable[[Notice], None], tail: int | None = None, since_seconds: int | None = None) -> None:
        meta = pod.get("metadata", {})
        self.kube = kube
        self.namespace, self.pod, self.uid = meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", "")
        self.container = container
        self.version = (meta.get("labels") or {}).get("version", "")
        status = container_status(pod, container) or {}
        self.instance = int(status.get("restartCount", 0))
        self.deliver, self.notify = deliver, notify
        self.first_tail, self.first_since = tail, since_seconds
        self.position: Position | None = None
        self.state = TailState.STARTING
        self.attempts = 0
        self.reconnects = 0
        self.delivered = 0
        self.gaps = 0
        self.error: str | None = None
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._need_pod = True
        self._clean_eof = False
        self._skip_boundary = False
        self._first_open = True
        self._first_instance = self.instance
        self._rest_read = -1
        self._eof_instance = -1
        self._resume: Callable[[], bool] | None = None
        self._for_good = False
        """The rest of a container that stopped for good is being read (it cannot restart meanwhile)."""
        self._unreported: float | None = None
        """When a restart the pod's status does not show yet was found (the previous log holds our last line)."""
        self._expect: int | None = None
        """While the previous instance is read: the restart count under which `previous=true` is still ours."""
        self._at_least, self._fallback = 0, 0
        """The restart count the logs show the node has reached though the pod's status does not say so yet;
        the count to go on with if the status never says it (see `_unreported_restart`)."""
        self._next_first: int | None = None
        """The stamp of the first line of the instance after ours, once a log showed it: all ours come before."""
        self._doubt_settled = False
        """The status had its time and shows one restart: a previous log without our last line is ours, rotated."""
        self._boundary_due: Position | None = None
        """The last line whose place at the log's start is to be checked once the next response opened."""
        self._cut_at: float | None = None
        self._gap_after: Position | None = None
        self._cause = Cause("stream_cut", "stream cut")
        self._reader = StreamReader(kube, self)

    @property
    def source(self) -> Source:
        return Source(self.namespace, self.pod, self.container, self.version, self.instance)

    # -- reading -------------------------------------------------------------------------
    def _params(self, *, follow: bool, previous: bool = False) -> dict[str, object]:
        params: dict[str, object] = {"container": self.container, "timestamps": True}
        if follow:
            params["follow"] = True
        if previous:
            params["previous"] = True
        if self.position is not None:
            params["sinceTime"] = format_ns(self.position.ts)
        elif self._first_open and not previous:
            if self.first_tail is not None:
                params["tailLines"] = self.first_tail
            if self.first_since is not None:
                params["sinceSeconds"] = self.first_since
        elif self.first_since is not None and self.instance == self._first_instance and not previous:
            params["sinceSeconds"] = self.first_since  # nothing was in the window yet: keep to it
        return params

    def _follow(self) -> None:
        if self._first_open and self.first_tail == 0 and self.position is None:
            self._anchor()
        self._read(self._params(follow=True), accept_gap=False, confirm=self.position is None)
        self._need_pod, self._eof_instance = True, self.instance  # ended cleanly: the instance ended, or the pod went

    def _anchor(self) -> None:
        """`--tail 0`: learn where the log ends now (not delivered), so a reconnect resumes from there."""
        _, position = self._reader.read({"container": self.container, "timestamps": True, "tailLines": 1},
                                        verify=None, accept_gap=True, confirm=False, deliver=False)
        self.position = position

    def _read(self, params: dict[str, object], *, accept_gap: bool, confirm: bool) -> None:
        """One response from our position. When the last one showed our last line and was cut before
        anything new (a connection that drops after every line), ask for what follows it (1 ns later)
        instead, and for a follow stream make sure of the instance by asking the pod."""
        before = self.position
        skip = self._skip_boundary and before is not None
        check = False
        if skip and before is not None:
            params = {**params, "sinceTime": format_ns(before.ts + 1)}
            # No last line to see again: the pod, asked once the response opened, vouches for the instance
            # (not needed for a container that stopped for good: it cannot restart under the read).
            confirm = confirm or bool(params.get("follow")) or not self._for_good
            check = bool(params.get("follow")) and before != self._gap_after
        # The log's start is looked at once the response opened (`on_open`): a restart between a look made
        # before and the open would serve the next instance's log unnoticed while the pod's status lags.
        self._boundary_due = before if check else None
        try:
            complete, position = self._reader.read(params, verify=None if skip else before, accept_gap=accept_gap,
                                                   confirm=confirm)
        except Exception:
            # Follow streams verify again once they made progress (a rotation is then seen); a read of a
            # stopped instance keeps skipping: its lines no longer change, only the cuts slow it down.
            progress = self.position != before
            shown = skip or self._reader.boundary_seen
            self._skip_boundary = shown and (not progress or not params.get("follow"))
            raise
        self._skip_boundary = False
        self.position = position or self.position
        self._clean_eof = complete

    def _check_boundary(self, before: Position) -> None:
        """Does the log still begin at or before our last line? If not, what followed it may be gone."""
        first = self._reader.first_stamp()
        if first is not None and first <= before.ts:
            return
        self._restart_or_gap(before, first)
        self._gap_after = before  # said once for this position
        if first is not None:
            self.on_gap(before, first)
        else:
            self._gap("log emptied before it could be read", before, None)

    def _read_rest(self) -> None:
        """The rest of a stopped container's log (non-follow), from where we are; once per instance.

        Not needed when a follow stream of this instance just ended cleanly: the server sent its last line."""
        if self._clean_eof and self._eof_instance == self.instance:
            self._rest_read = self.instance
        if self._rest_read != self.instance:
            # A missing last line asks the pod: the kubelet may restart it between our look and the read.
            self._read(self._params(follow=False), accept_gap=False, confirm=self.position is None)
            self._rest_read = self.instance

    # -- the reader's callbacks ------------------------------------------------------------
    def on_open(self, confirm: bool) -> None:
        """A response came: the reconnect (if any) worked; when asked to, make sure the log is our instance's.

        The pod is read after the response opened and restart counts only grow: a count we expect
        means the log served was ours. A previous instance's log is ours while the count is one more."""
        if confirm:
            pod = self._read_pod()
            status = container_status(pod, self.container)
            restarts = int(status.get("restartCount", 0)) if status else self.instance
            if restarts > (self.instance if self._expect is None else self._expect):
                if self._first_open and self._expect is None:
                    self.instance = restarts  # restarted before we started: this is the instance we read
                else:
                    self._restarted()
        due, self._boundary_due = self._boundary_due, None
        if due is not None:
            self._check_boundary(due)
        elif confirm and self._expect is None and self.position is not None and \
                self._reader.previous_from(self.position) is not None:
            # The status may lag the logs: our last line (or a later one) in the previous instance's log
            # means the log just opened is a newer instance's (nothing of it is delivered under our label).
            self._unreported_restart(self.instance + 1, self.instance + 1)
        if self._cut_at is not None:
            self.notify(Notice("reconnected", self.source, self._cause.text, since=self.position,
                               seconds=time.monotonic() - self._cut_at, attempts=self.attempts + 1, cause=self._cause))
        self._cut_at, self.attempts, self._first_open = None, 0, False
        if self.state is not TailState.FOLLOWING:
            self.state = TailState.FOLLOWING
            self.notify(Notice("state", self.source, ""))

    def on_chunk(self, chunk: Chunk, position: Position | None) -> None:
        """New lines, in order, and the position after them."""
        self.position = position
        self.delivered += chunk.count
        self.deliver(chunk)

    def on_anomaly(self, anomaly: Anomaly) -> None:
        """A resumed stream did not show our last line: restarted meanwhile, or rotated away?"""
        self._restart_or_gap(anomaly.position, anomaly.first_ts)
        self.on_gap(anomaly.position, anomaly.first_ts)  # same instance: rotated away; take what is left

    def _restart_or_gap(self, position: Position, first_ts: int | None) -> None:
        """Raise `Restarted` when the container restarted; return when our last line is gone from our
        instance's log (rotated). `first_ts`: the first line the log showed instead of ours.

        The pod's status may lag the logs (a kubelet reports a restart after its next relist), so the logs
        are asked too. Reading our own instance: a previous log that holds our last line, or has newer lines,
        means a restart. Reading the previous instance: its log without our last line was replaced by a
        newer instance (certain once it begins with the line we saw begin the next instance), or ours was
        rotated before it ended; only the status can tell the second case, so it is given its time."""
        pod = self._read_pod()
        status = container_status(pod, self.container)
        expected = self.instance if self._expect is None else self._expect
        if pod is None or (status is not None and int(status.get("restartCount", 0)) > expected):
            self._restarted()
        if self._expect is None:
            found = self._reader.previous_from(position)
            if found is None:
                return  # no instance after our last line: ours was rotated
            if found == position.ts and first_ts is not None:
                self._next_first = first_ts  # the previous log is ours: the one read is the next instance's
            self._unreported_restart(self.instance + 1, self.instance + 1)
        if self._doubt_settled:
            return
        certain = self._next_first is not None and first_ts is not None and first_ts >= self._next_first
        self._unreported_restart(self._expect + 1, self._expect + 1 if certain else self._expect)

    def _unreported_restart(self, at_least: int, fallback: int) -> NoReturn:
        """The logs show the node at restart count `at_least` or beyond: wait for the status to say so
        (`ContainerTail._step`, at most STATUS_LAG_MAX), then go on with `fallback` if it never does."""
        self._at_least, self._fallback = max(self._at_least, at_least), fallback
        if self._unreported is None:
            self._unreported = time.monotonic()
        self._restarted()

    def _restarted(self) -> NoReturn:
        """Abandon this response unread: the pod is asked again and decides what to read next."""
        self._need_pod, self._resume = True, None
        raise Restarted()

    def on_gap(self, start: Position, first_ts: int) -> None:
        self._gap("log rotated before it could be read", start, first_ts)

    def _read_pod(self) -> dict | None:
        try:
            pod = self.kube.get(path_for("", "v1", "pods", self.namespace, self.pod))
        except KubeApiError as exc:
            if exc.status == 404:
                return None
            raise
        return pod if pod.get("metadata", {}).get("uid", self.uid) == self.uid else None

    def _gap(self, why: str, start: Position | None, end: int | None) -> None:
        self.gaps += 1
        self.notify(Notice("gap", self.source, why, since=start, until=end))
