"""Fixed routes for SVG snapshots: catalog 90/10 with a tester match and an abort fault, an observed split.

Implements the route engine's Protocol (`services.routes.ports.RouteEngine`) in memory;
planning is the real, pure `plan_edits`, so a snapshot draws exactly what the engine
would plan. Nothing here writes: the snapshot tests never apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from meshtui.domain import routes as R
from meshtui.domain.routes.edits import Edit
from meshtui.services.observe import Observation, summarize
from meshtui.services.routes import ApplyResult, HostSummary, Loaded, Plan, ResetPlan, UndoResult
from meshtui.services.routes.planning import plan_edits


class FakeWatch:
    def take(self) -> set[str]:
        return set()

    def close(self) -> None:
        pass


class FakeRoutes:
    """catalog: v1 90 / v2 10, end-user=tester -> v3, 5 % aborts; ratings: v1 only."""

    def hosts(self, namespace: str | None = None) -> list[HostSummary]:
        return [HostSummary("shop", "catalog", ["v1", "v2", "v3"], "catalog", "catalog", {"v1": 90, "v2": 10}, 2,
                            False, True, {"v1": 90.0, "v2": 10.0}),
                HostSummary("shop", "ratings", ["v1", "v2"], "ratings", "ratings", {"v1": 100}, 1, False, False,
                            {"v1": 100.0})]

    def namespaces(self) -> list[str]:
        return ["default", "shop"]

    def load(self, host: str, namespace: str | None = None, *, history: bool = False) -> Loaded:
        vs = {"hosts": [host], "http": [
            {"name": "match-end-user-tester", "match": [{"headers": {"end-user": {"exact": "tester"}}}],
             "route": [{"destination": {"host": host, "subset": "v3"}}]},
            {"name": "primary", "route": [{"destination": {"host": host, "subset": "v1"}, "weight": 90},
                                          {"destination": {"host": host, "subset": "v2"}, "weight": 10}],
             "fault": {"abort": {"httpStatus": 503, "percentage": {"value": 5.0}}}}]}
        meta = {"name": host, "namespace": "shop", "resourceVersion": "7"}
        return Loaded(R.Routes(host, "shop", vs, R.subsets_from_versions(host, ["v1", "v2", "v3"]), ["v1", "v2", "v3"]),
                      {"metadata": meta}, {"metadata": meta}, undo_depth=1 if history else 0)

    def plan_edits(self, loaded: Loaded, edits: Sequence[Edit]) -> Plan:
        return plan_edits(loaded, edits)

    def apply(self, plan: Plan, *, dry_run: bool = False) -> ApplyResult:
        raise AssertionError("snapshots never apply")

    def undo(self, host: str, namespace: str | None = None, *, force: bool = False,
             preview: bool = False) -> UndoResult:
        raise AssertionError("snapshots never undo")

    def undo_depth(self, host: str, namespace: str | None = None) -> tuple[int, list[str]]:
        return 1, []

    def reset_plan(self, host: str, namespace: str | None = None) -> ResetPlan:
        loaded = self.load(host, namespace)
        return ResetPlan(loaded, loaded.routes, [])

    def apply_reset(self, plan: ResetPlan, *, dry_run: bool = False) -> list[str]:
        raise AssertionError("snapshots never reset")

    def watch(self, namespace: str, on_change: Callable[[], None]) -> FakeWatch:
        return FakeWatch()


class FakeObserver:
    def observation(self) -> Observation:
        samples = [("v1", 200, 18)] * 86 + [("v1", 503, 1)] * 4 + [("v2", 200, 45)] * 9 + [("v3", 200, 20)]
        return summarize("catalog", "shop", samples, 60)

    def close(self) -> None:
        pass
