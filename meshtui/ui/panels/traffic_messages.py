"""Past-tense messages the Traffic panel's workers post; its handlers own the state.

Workers read and write through the route engine on threads; each result comes back as
one of these, carrying the engine's typed objects (never display text). Those types are
imported for annotations only: the app loads this module before its first frame, and the
observer (`services.observe`, which loads the log engine) and the route engine load when
the Traffic panel first needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # types only: the app imports these messages before its first frame
    from meshtui.services.observe import Observation
    from meshtui.services.routes import ApplyResult, HostSummary, Loaded, ResetPlan, RouteConflict, UndoResult
    from meshtui.services.routes.ports import ObserverView, WatchView


class HostsLoaded(Message):
    def __init__(self, namespace: str, hosts: list[HostSummary], error: str | None = None) -> None:
        super().__init__()
        self.in_namespace = namespace
        self.hosts = hosts
        self.error = error


class RoutesLoaded(Message):
    def __init__(self, host: str, loaded: Loaded | None, error: str | None = None, *, read: int = 0) -> None:
        super().__init__()
        self.host = host
        self.read = read  # which of the panel's reads this answers: an overtaken one is dropped
        self.loaded = loaded
        self.error = error


class ObserverStarted(Message):
    def __init__(self, host: str, observer: ObserverView) -> None:
        super().__init__()
        self.host = host
        self.observer = observer


class RoutesChanged(Message):
    """The namespace's VirtualServices or DestinationRules changed (posted from the watch's thread)."""


class WatchStarted(Message):
    def __init__(self, namespace: str, watch: WatchView) -> None:
        super().__init__()
        self.in_namespace = namespace
        self.watch = watch


class ObservationReady(Message):
    def __init__(self, host: str, observation: Observation) -> None:
        super().__init__()
        self.host = host
        self.observation = observation


class NamespacesLoaded(Message):
    def __init__(self, namespaces: list[str]) -> None:
        super().__init__()
        self.namespaces = namespaces


class WriteDone(Message):
    """An apply, undo or reset finished (or failed with a message the user must see)."""

    def __init__(self, host: str, what: str, *, applied: ApplyResult | None = None, undone: UndoResult | None = None,
                 lines: list[str] | None = None, error: str | None = None) -> None:
        super().__init__()
        self.host = host
        self.what = what
        self.applied = applied
        self.undone = undone
        self.lines = lines or []
        self.error = error


class ApplyConflicted(Message):
    def __init__(self, host: str, conflict: RouteConflict) -> None:
        super().__init__()
        self.host = host
        self.conflict = conflict


class UndoBlocked(Message):
    """Undo refused: the routes changed after meshtui's write; `changes` is the diff."""

    def __init__(self, host: str, changes: str) -> None:
        super().__init__()
        self.host = host
        self.changes = changes


class UndoPreviewed(Message):
    """What `u` would restore (nothing written yet): the user is asked with this diff."""

    def __init__(self, host: str, preview: UndoResult) -> None:
        super().__init__()
        self.host = host
        self.preview = preview


class ResetPlanned(Message):
    """What `R` would do (nothing written yet): the user is asked with the actions, warnings and diff."""

    def __init__(self, host: str, plan: ResetPlan) -> None:
        super().__init__()
        self.host = host
        self.plan = plan


class UndoDepthRead(Message):
    """How many changes of `host` can be undone now (the history file may have changed under the panel)."""

    def __init__(self, host: str, depth: int, notices: list[str]) -> None:
        super().__init__()
        self.host = host
        self.depth = depth
        self.notices = notices
