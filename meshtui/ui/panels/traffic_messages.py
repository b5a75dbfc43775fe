"""Past-tense messages the Traffic panel's workers post; its handlers own the state.

Workers read and write through the route engine on threads; each result comes back as
one of these, carrying the engine's typed objects (never display text).
"""

from __future__ import annotations

from textual.message import Message

from meshtui.services.observe import Observation
from meshtui.services.routes import ApplyResult, HostSummary, Loaded, RouteConflict, UndoResult
from meshtui.services.routes.ports import ObserverView, WatchView


class HostsLoaded(Message):
    def __init__(self, namespace: str, hosts: list[HostSummary], error: str | None = None) -> None:
        super().__init__()
        self.in_namespace = namespace
        self.hosts = hosts
        self.error = error


class RoutesLoaded(Message):
    def __init__(self, host: str, loaded: Loaded | None, error: str | None = None) -> None:
        super().__init__()
        self.host = host
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
