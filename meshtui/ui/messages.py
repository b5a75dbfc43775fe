"""Messages posted by background work; handlers on the owning widget update the screen.

Names say what happened. High-rate ones implement `can_replace` so a queued copy is
coalesced instead of piling up (the handler then reads the latest state itself).
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Connected(Message):
    """A session to a cluster is ready (or failed: `error` set)."""

    def __init__(self, session: Any, error: str | None = None, hint: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.error = error
        self.hint = hint


class ClusterInfoLoaded(Message):
    def __init__(self, info: Any) -> None:
        super().__init__()
        self.info = info


class FeedChanged(Message):
    """A resource feed has changes to drain; coalesced per feed."""

    def __init__(self, feed: str) -> None:
        super().__init__()
        self.feed = feed

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedChanged) and message.feed == self.feed


class IngressProbed(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class DoctorFinished(Message):
    def __init__(self, checks: list[Any], profile: str | None, error: str | None = None) -> None:
        super().__init__()
        self.checks = checks
        self.profile = profile
        self.error = error


class DescribeLoaded(Message):
    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title = title
        self.text = text


class ActionFailed(Message):
    """Background work failed in a way the user should see."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__()
        self.message = message
        self.hint = hint


class LogsRequested(Message):
    """Open the Logs panel on a query (from the Overview's `l`)."""

    def __init__(self, query: str, namespace: str | None) -> None:
        super().__init__()
        self.query = query
        self.namespace = namespace


class ProvisionReported(Message):
    """A step of `up`/`down` started, printed a line, finished or failed."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class TourEvaluated(Message):
    """A tour step's condition was checked (`moved`: the run advanced or was reset)."""

    def __init__(self, run: Any, moved: bool, error: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.moved = moved
        self.error = error
