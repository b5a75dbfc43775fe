"""The route engine shared by `meshtui routes` and the Traffic panel (one engine per job).

`engine.RouteService` loads, plans, validates, dry-runs, applies and re-plans on a
conflict; `history` undoes without discarding anyone's later change, `reset` goes back
to before meshtui with a diff (and is undoable itself);
`watch` follows the namespace's route objects live; `ports` are the Protocols the
panel types against. Callers import from here.
"""

from meshtui.services.routes.engine import RouteService
from meshtui.services.routes.history import UndoResult
from meshtui.services.routes.model import (
    ApplyResult,
    EditRejected,
    HostSummary,
    InvalidRoutes,
    Loaded,
    Plan,
    ResetPlan,
    RouteConflict,
    UndoRefused,
    UndoUnavailable,
)
from meshtui.services.routes.reset import ResetRefused
from meshtui.services.undo import HistoryUnavailable

__all__ = ["ApplyResult", "EditRejected", "HistoryUnavailable", "HostSummary", "InvalidRoutes", "Loaded", "Plan",
           "ResetPlan", "ResetRefused", "RouteConflict", "RouteService", "UndoRefused", "UndoResult",
           "UndoUnavailable"]
