"""What the Traffic panel uses from services, as small typed Protocols.

The panel holds a `TrafficSession` (the TUI's `Session` satisfies it, and so does the
snapshot tests' fake) and never sees the adapters: it asks the route engine for hosts,
routes, plans and writes, watches the namespace through it, and reads the observed split
from an observer. Everything here is called from worker threads, never from handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from meshtui.domain.routes.edits import Edit
from meshtui.services.observe import Observation
from meshtui.services.routes.history import UndoResult
from meshtui.services.routes.model import ApplyResult, HostSummary, Loaded, Plan, ResetPlan


class GuardView(Protocol):
    @property
    def read_only(self) -> bool: ...

    def refusal(self, action: str) -> str | None: ...


class WatchView(Protocol):
    def take(self) -> set[str]: ...

    def close(self) -> None: ...


class ObserverView(Protocol):
    def observation(self) -> Observation: ...

    def close(self) -> None: ...


class RouteEngine(Protocol):
    def hosts(self, namespace: str | None = None) -> list[HostSummary]: ...

    def namespaces(self) -> list[str]: ...

    def load(self, host: str, namespace: str | None = None, *, history: bool = False) -> Loaded: ...

    def plan_edits(self, loaded: Loaded, edits: Sequence[Edit]) -> Plan: ...

    def apply(self, plan: Plan, *, dry_run: bool = False) -> ApplyResult: ...

    def undo(self, host: str, namespace: str | None = None, *, force: bool = False,
             preview: bool = False) -> UndoResult: ...

    def undo_depth(self, host: str, namespace: str | None = None) -> tuple[int, list[str]]: ...

    def reset_plan(self, host: str, namespace: str | None = None) -> ResetPlan: ...

    def apply_reset(self, plan: ResetPlan, *, dry_run: bool = False) -> list[str]: ...

    def watch(self, namespace: str, on_change: Callable[[], None]) -> WatchView: ...


class TrafficSession(Protocol):
    @property
    def guard(self) -> GuardView: ...

    @property
    def default_namespace(self) -> str: ...

    @property
    def routes(self) -> RouteEngine: ...

    def observer(self, host: str, namespace: str | None) -> ObserverView: ...
