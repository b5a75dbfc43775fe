"""One container's log, delivered exactly once per container instance, whatever fails.

`ContainerTail` follows one container of one pod (by UID) in its own thread:
- every stream is requested with timestamps; after a cut, a 5xx/429, a timeout or a
  connection error it reconnects with bounded backoff from the last delivered line
  (`sinceTime` in ns), skipping what it already has; a resumed stream must show that
  last line again before anything new is delivered, or the tail stops and finds out
  why: the container restarted meanwhile, or the lines were rotated away (a gap that
  is reported, never silent);
- when the container restarts it first reads the previous instance to its end
  (`previous=true`), then marks the restart and follows the new instance from its
  first line;
- it ends only when the container stopped for good (pod deleted or finished) and its
  log was read to the end, or the pod is gone.
How a read resumes lives in `log_resume`, the reading of one response in `log_reader`;
this module decides what to read and when.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

from meshtui.adapters.kube import KubeApiError, KubeClient
from meshtui.domain.errors import MeshtuiError
from meshtui.services.log_cause import Cause, cause_of
from meshtui.services.log_reader import Chunk, Notice, TailState, container_status, stream_errors
from meshtui.services.log_resume import Restarted, ResumingTail, backoff

WAIT_POLL = 5.0
STATUS_POLL = 0.25
STATUS_LAG_MAX = 15.0
"""Seconds a restart found in the logs may wait for the pod's status (a kubelet relists every second)."""
__all__ = ["ContainerTail", "backoff"]


class ContainerTail(ResumingTail):
    """Follows one container of one pod until it has stopped for good and its log was read."""

    def __init__(self, kube: KubeClient, pod: dict, container: str, *, deliver: Callable[[Chunk], None],
                 notify: Callable[[Notice], None], tail: int | None = None, since_seconds: int | None = None) -> None:
        super().__init__(kube, pod, container, deliver=deliver, notify=notify, tail=tail, since_seconds=since_seconds)
        self._thread: threading.Thread | None = None

    # -- identity, control ---------------------------------------------------------------
    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.namespace, self.pod, self.container, self.uid

    def start(self) -> ContainerTail:
        self._thread = threading.Thread(target=self._run, name=f"tail:{self.pod}/{self.container}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._reader.interrupt()
        if self.finished.is_set():  # ended on its own before (a pod that went): let go of the engine now
            self.deliver, self.notify = _ignore, _ignore

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def pod_changed(self, pod: dict | None) -> None:
        """A hint from the engine's pod watch: the pod changed or went; look at it before the next read.

        A stream in progress is left alone: when its container stops or restarts the server ends
        it after the last line, which is the quickest way to read everything."""
        status = container_status(pod, self.container) if pod is not None else None
        gone = pod is None or pod.get("metadata", {}).get("deletionTimestamp")
        if gone or (status is not None and int(status.get("restartCount", 0)) > self.instance):
            self._need_pod = True
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------
    def _run(self) -> None:
        errors = stream_errors()
        try:
            while not self._stop.is_set():
                try:
                    if self._step():
                        break
                except errors as exc:
                    if self._stop.is_set():
                        break
                    self._cut(cause_of(exc, self._reader.timeout))
                except Restarted:
                    continue
                except KubeApiError as exc:
                    if exc.status == 400 and "waiting to start" in exc.api_message:
                        self._need_pod = True
                        self._wait("container not started")
                        continue
                    if exc.status in (401, 403) or (400 <= exc.status < 500 and exc.status not in (404, 408, 429)):
                        self._fail(exc.message)
                        break
                    if exc.status == 404:
                        self._need_pod, self._resume = True, None
                    self._failed_attempt(cause_of(exc))
                except MeshtuiError as exc:  # the API server cannot be reached (yet)
                    self._failed_attempt(cause_of(exc))
        finally:
            if self.state is not TailState.FAILED:
                self.state = TailState.ENDED
            self.finished.set()
            self.notify(Notice("state", self.source, ""))
            if self._stop.is_set():  # nothing calls back any more: let go of the engine (see `_ignore`)
                self.deliver, self.notify = _ignore, _ignore

    def _step(self) -> bool:
        """One decision: returns True when the tail is done."""
        if self._resume is not None:
            return self._resume()  # a read of a stopped instance was cut: carry on, no need to ask the pod
        if not self._need_pod:
            self._follow()
            return False
        pod = self._read_pod()
        if pod is None:
            return self._gone()
        status = container_status(pod, self.container)
        if status is None:
            return self._wait("container not started")
        restarts = int(status.get("restartCount", 0))
        if restarts > self.instance and restarts >= self._at_least:
            self._unreported, self._at_least = None, 0
            return self._previous(restarts, status)
        if self._unreported is not None:  # the logs show a restart (or another) the status does not show yet
            if time.monotonic() - self._unreported < STATUS_LAG_MAX:
                return self._wait("restarted; waiting for the pod's status to say so", poll=STATUS_POLL)
            target = max(self._fallback, self.instance + 1)  # no word from the kubelet: go on without its reason
            self._unreported, self._at_least = None, 0
            self._doubt_settled = target <= restarts
            return self._previous(target, status if target == restarts else {})
        state = status.get("state") or {}
        if "running" in state:
            self._need_pod = False
            self._follow()
            return False
        if "terminated" in state:
            ending = None
            if pod.get("metadata", {}).get("deletionTimestamp"):
                ending = "pod deleted"
            elif not _restarts(pod, state["terminated"]):
                ending = "container exited"
            return self._finish_instance(ending)
        return self._wait(str((state.get("waiting") or {}).get("reason") or "waiting"))

    def _finish_instance(self, ending: str | None) -> bool:
        """Read the rest of a stopped container; end the tail, or wait for its restart."""
        self._resume = partial(self._finish_instance, ending)
        self._for_good = ending is not None
        try:
            self._read_rest()
        finally:
            self._for_good = False
        self._resume = None
        if ending:
            self._end(ending)
            return True
        return self._wait("container exited, waiting for its restart")

    def _previous(self, restarts: int, status: dict) -> bool:
        """The container restarted: read what is left of our instance, then move to the new one."""
        self._resume = partial(self._previous, restarts, status)
        if restarts > self.instance + 1 and self._rest_read == self.instance:
            # ours was read to its end before it restarted twice: the one after it is the previous one now
            self.instance, self.position, self._first_open = self.instance + 1, None, False
            self.notify(Notice("restarted", self.source, ""))
        if restarts > self.instance + 1:
            lost = f"#{self.instance}" if restarts == self.instance + 2 else f"#{self.instance}…#{restarts - 2}"
            self._gap(f"instance {lost} restarted again before it could be read to the end", self.position, None)
            self.instance, self.position = restarts - 1, None
            self.notify(Notice("restarted", self.source, ""))
        if self._rest_read != self.instance:
            # `previous=true` is our instance only while the pod says `restarts`: a further restart while we
            # were behind replaced it. A missing last line asks the pod (restarted again: a gap, nothing of the
            # other instance delivered; else rotated); a read that cannot check it asks at open (`_read`).
            self._expect = restarts
            try:
                self._read(self._params(follow=False, previous=True), accept_gap=False,
                           confirm=self.position is None)
            except KubeApiError as exc:
                if exc.status != 400 or "previous terminated container" not in exc.api_message:
                    raise
                self._gap("the previous instance's log is gone from the node", self.position, None)
            finally:
                self._expect = None
        reason = ((status.get("lastState") or {}).get("terminated") or {}).get("reason", "")
        self.instance, self.position, self._first_open, self._resume = restarts, None, False, None
        self._doubt_settled, self._next_first = False, None
        self.notify(Notice("restarted", self.source, reason))
        return False

    # -- outcomes ------------------------------------------------------------------------
    def _cut(self, cause: Cause) -> None:
        if self._cut_at is None:
            self._cut_at, self._cause = time.monotonic(), cause
        self.reconnects += 1
        self.state = TailState.RECONNECTING
        self.notify(Notice("state", self.source, cause.text))

    def _failed_attempt(self, cause: Cause) -> None:
        if self._cut_at is None:
            self._cut_at, self._cause = time.monotonic(), cause
        self.attempts += 1
        self.state, self.error = TailState.RECONNECTING, cause.text
        self.notify(Notice("state", self.source, cause.text))
        self._wake.clear()
        if not self._stop.is_set():  # a stop() that set `_wake` before the clear set `_stop` before it
            self._wake.wait(backoff(self.attempts))  # a hint (pod changed, stop) ends the wait early

    def _wait(self, why: str, poll: float = WAIT_POLL) -> bool:
        if self.state is not TailState.WAITING:
            self.state = TailState.WAITING
            self.notify(Notice("state", self.source, why))
        self._wake.wait(poll)
        self._wake.clear()
        return False

    def _gone(self) -> bool:
        if not self._clean_eof:
            self._gap("pod deleted before its log could be read to the end", self.position, None)
        self._end("pod deleted")
        return True

    def _end(self, why: str) -> None:
        self.state = TailState.ENDED
        self.notify(Notice("ended", self.source, why))

    def _fail(self, message: str) -> None:
        self.state, self.error = TailState.FAILED, message
        self.notify(Notice("failed", self.source, message))


def _restarts(pod: dict, terminated: dict) -> bool:
    """Will the kubelet restart a container that exited like this?"""
    policy = pod.get("spec", {}).get("restartPolicy", "Always")
    phase = pod.get("status", {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        return False
    return policy == "Always" or (policy == "OnFailure" and int(terminated.get("exitCode", 0)) != 0)


def _ignore(_: object) -> None:
    """The callback of a stopped tail. Its engine and it point at each other; a freeze (`gc.freeze`, done by
    the panels at scale) can make that cycle uncollectable, so after the stop the tail lets go first."""
