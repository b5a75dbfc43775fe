"""The route engine shared by `meshtui routes` and the Traffic panel (one engine per job).

`engine.RouteService` loads, plans, validates, dry-runs, applies and re-plans on a
conflict; `history` undoes and resets without discarding anyone's later change;
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
    RouteConflict,
    UndoRefused,
    UndoUnavailable,
)

__all__ = ["ApplyResult", "EditRejected", "HostSummary", "InvalidRoutes", "Loaded", "Plan", "RouteConflict",
           "RouteService", "UndoRefused", "UndoResult", "UndoUnavailable"]
