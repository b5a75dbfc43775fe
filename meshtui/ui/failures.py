"""Nothing fails silently: every worker that ends in an error reaches the user.

Textual's `Worker.StateChanged` does not bubble, so each widget that runs workers mixes in
`ReportsFailures`. On ERROR it posts `WorkerFailed` (which does bubble) to the app, which
shows it on the status line and as a notification and writes the traceback to the log
file; and it calls the widget's `worker_failed()` so the panel can replace its spinner
or blank area with the error in place.
"""

from __future__ import annotations

from typing import ClassVar

from textual.message import Message
from textual.worker import Worker, WorkerState

from meshtui.domain.errors import MeshtuiError


class WorkerFailed(Message):
    """A background job of `source` (a panel's title) ended with `error`."""

    def __init__(self, source: str, job: str, error: BaseException) -> None:
        super().__init__()
        self.source = source
        self.job = job
        self.error = error

    @property
    def summary(self) -> str:
        """One line for the user: a MeshtuiError's own message, or the exception's type and text."""
        if isinstance(self.error, MeshtuiError):
            return self.error.message
        text = str(self.error).strip()
        return f"{type(self.error).__name__}: {text}" if text else type(self.error).__name__


class ReportsFailures:
    """Mixin for a widget (or the app) whose workers may fail."""

    FAILURE_SOURCE: ClassVar[str] = ""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        source = self.FAILURE_SOURCE or type(self).__name__
        job = event.worker.group or event.worker.name or "background job"
        self.post_message(WorkerFailed(source, job, event.worker.error))  # type: ignore[attr-defined]
        self.worker_failed(job, event.worker.error)

    def worker_failed(self, job: str, error: BaseException) -> None:
        """Show the failure in place (replace a spinner, fill a blank area); the app already notified."""
