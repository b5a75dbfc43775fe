"""Nothing fails silently: every worker that ends in an error reaches the user; no panel waits forever.

Textual's `Worker.StateChanged` does not bubble, so each widget that runs workers mixes in
`ReportsFailures`. On ERROR it posts `WorkerFailed` (which does bubble) to the app, which
shows it on the status line and as a notification and writes the traceback to the log
file; and it calls the widget's `worker_failed()` so the panel can replace its spinner
or blank area with the error in place.

The same mixin carries the app's other promise to every panel: when there is no cluster
(connecting failed, or the cluster went away) the app calls `show_offline()` on each
panel. A panel that renders that in place (the Overview's health line instead of
"connecting…") returns True; the default returns False and the app then shows a
notice line above the panel, so no panel keeps waiting for a cluster that is not there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.message import Message
from textual.worker import Worker, WorkerState

from meshtui.domain.errors import MeshtuiError

if TYPE_CHECKING:
    from textual.message_pump import MessagePump


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
        pump: MessagePump = self  # type: ignore[assignment]  # the mixin is only used on widgets and the app
        pump.post_message(WorkerFailed(source, job, event.worker.error))
        self.worker_failed(job, event.worker.error)

    def worker_failed(self, job: str, error: BaseException) -> None:
        """Show the failure in place (replace a spinner, fill a blank area); the app already notified."""

    def show_offline(self, reason: str, hint: str | None = None) -> bool:
        """There is no cluster (`reason`): render that in place and return True, or False for the app's notice.

        Called on the event loop; `attach(session)` is the way back online.
        """
        return False
