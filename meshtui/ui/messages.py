"""Messages posted by background work; handlers on the owning widget update the screen.

Names say what happened. High-rate ones implement `can_replace` so a queued copy is
coalesced instead of piling up (the handler then reads the latest state itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from meshtui.domain.checks import Check
    from meshtui.services.cluster import ClusterInfo, ProbeResult
    from meshtui.services.ports import SessionPort
    from meshtui.services.provision.steps import ProvisionEvent
    from meshtui.services.tours import TourRun


class Connected(Message):
    """A session to a cluster is ready (or failed: `error` set)."""

    def __init__(self, session: SessionPort | None, error: str | None = None, hint: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.error = error
        self.hint = hint


class ClusterInfoLoaded(Message):
    """The header's facts about the connected cluster were read (for `session`)."""

    def __init__(self, session: SessionPort, info: ClusterInfo) -> None:
        super().__init__()
        self.session = session
        self.info = info


class FeedChanged(Message):
    """A resource feed has changes to drain; coalesced per feed."""

    def __init__(self, feed: str) -> None:
        super().__init__()
        self.feed = feed

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedChanged) and message.feed == self.feed


class IngressProbed(Message):
    def __init__(self, result: ProbeResult) -> None:
        super().__init__()
        self.result = result


class ProfilesFound(Message):
    """The Setup panel's profile list was read from disk (off the event loop)."""

    def __init__(self, profiles: list[str]) -> None:
        super().__init__()
        self.profiles = profiles


class DoctorFinished(Message):
    def __init__(self, checks: list[Check], profile: str | None, error: str | None = None) -> None:
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
    """Open the Logs panel on a query (from the Overview's `l`, the Resources panel's Enter)."""

    def __init__(self, query: str, namespace: str | None) -> None:
        super().__init__()
        self.query = query
        self.target_namespace = namespace
        """The query's namespace (not `namespace`: Message uses that name for its handlers)."""


class ProvisionReported(Message):
    """A step of `up`/`down` (or the metrics-server install) started, printed a line, finished or failed."""

    def __init__(self, event: ProvisionEvent) -> None:
        super().__init__()
        self.event = event


class PlanReady(Message):
    """What `up`/`down` of a profile would do, read off the event loop (to show, or to confirm).

    `verb` is `plan` (preview), `up`, `resume` or `down`; `steps` are (id, title) of `up`'s
    steps, `lines` what `down` removes.
    """

    def __init__(self, verb: str, profile: str, *, steps: list[tuple[str, str]] | None = None,
                 lines: list[str] | None = None, error: str | None = None, hint: str | None = None) -> None:
        super().__init__()
        self.verb = verb
        self.profile = profile
        self.steps = steps or []
        self.lines = lines or []
        self.error = error
        self.hint = hint


class TourEvaluated(Message):
    """A tour step's condition was checked (`moved`: the run advanced or was reset)."""

    def __init__(self, run: TourRun, moved: bool, error: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.moved = moved
        self.error = error
