"""The route engine shared by `meshtui routes` and the Traffic panel (one engine per job).

`engine.RouteService` loads, plans, validates, dry-runs, applies and re-plans on a
conflict; `history` undoes without discarding anyone's later change, `reset` goes back
to before meshtui with a diff (and is undoable itself);
`watch` follows the namespace's route objects live; `ports` are the Protocols the
panel types against. Callers import from here.

The names are resolved on first use (PEP 562): the TUI imports the Traffic panel, and so
this package, before its first frame, and the engine's history brings pydantic and the
undo store with it, 0.3-0.5 s that only a write needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshtui.services.routes.engine import RouteService
    from meshtui.services.routes.history import UndoResult
    from meshtui.services.routes.model import (
        ApplyResult,
        EditRejected,
        HostSummary,
        InvalidRoutes,
        Loaded,
        NameTaken,
        OriginalTooLarge,
        Plan,
        ResetPlan,
        RouteConflict,
        UndoRefused,
        UndoUnavailable,
    )
    from meshtui.services.routes.reset import ResetRefused
    from meshtui.services.undo import HistoryUnavailable

_WHERE = {
    "RouteService": "meshtui.services.routes.engine", "UndoResult": "meshtui.services.routes.history",
    "ResetRefused": "meshtui.services.routes.reset", "HistoryUnavailable": "meshtui.services.undo",
    **dict.fromkeys(("ApplyResult", "EditRejected", "HostSummary", "InvalidRoutes", "Loaded", "NameTaken",
                     "OriginalTooLarge", "Plan", "ResetPlan", "RouteConflict", "UndoRefused", "UndoUnavailable"),
                    "meshtui.services.routes.model"),
}

__all__ = ["ApplyResult", "EditRejected", "HistoryUnavailable", "HostSummary", "InvalidRoutes", "Loaded",
           "NameTaken", "OriginalTooLarge", "Plan", "ResetPlan", "ResetRefused", "RouteConflict", "RouteService",
           "UndoRefused", "UndoResult",
           "UndoUnavailable"]


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
