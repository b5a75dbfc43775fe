"""Running a tour: evaluate step conditions live, perform `show me`, keep progress, reset what it changed.

The UI hands over what is on screen as `ScreenFacts`; route conditions are read from
the cluster through `RouteService`. Progress (current step, the hosts' routes as they
were when the tour started) is saved in the state directory, so leaving and coming back
resumes. It is filed under the cluster's identity and validated on read (see
`services.tour_progress`), so another cluster's progress is never applied here.
`reset` restores exactly those hosts: a host the tour found untouched goes back
through `RouteService.reset` (meshtui-created objects deleted, changed ones restored,
no meshtui label or annotation left); a host meshtui had already changed before the
tour gets its recorded specs back. Nothing else is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from meshtui.domain import routes as R
from meshtui.domain.errors import MeshtuiError
from meshtui.services import tour_progress
from meshtui.services.tour_progress import ClusterProgress, HostBaseline

if TYPE_CHECKING:
    from meshtui.config.tours import Condition, HostRef, LoadedTour, TourStep
    from meshtui.domain.logs import LogLine
    from meshtui.services.ports import SessionPort


@dataclass(frozen=True)
class ScreenFacts:
    """What the user sees right now (collected by the UI on its own thread)."""

    panel: str = ""
    selected_app: str | None = None
    logs_pods: frozenset[str] = frozenset()
    failing_hosts: frozenset[str] = frozenset()
    """Hosts that log lines on screen show failed calls (5xx) to, from the callers' sidecars."""
    pivoted: bool = False
    usage_rows: int = 0
    traffic_host: str | None = None
    """The host whose routes the Traffic panel shows."""
    plan_profile: str | None = None
    """The profile whose `up` steps the Setup panel lists."""


def failing_hosts(lines: list[LogLine]) -> frozenset[str]:
    """Short names of the hosts that outbound sidecar access-log lines show failing (5xx)."""
    found = set()
    for line in lines:
        fields = line.fields
        if fields and fields.get("direction") == "outbound" and int(fields.get("status") or 0) >= 500:
            found.add(str(fields.get("host") or "").split(".")[0])
    return frozenset(found - {""})


ROUTE_KINDS = frozenset({"route_weight", "fault_active", "fault_cleared", "breaker_active", "set_weights", "fault",
                         "clear_fault", "breaker"})
"""Conditions and actions that read or change a host's routes (the hosts a reset restores)."""


@dataclass
class TourRun:
    """One tour on one cluster."""

    loaded: LoadedTour
    session: SessionPort
    index: int = 0
    baseline: dict[str, HostBaseline] = field(default_factory=dict)
    finished: bool = False
    cluster: str = ""
    """The cluster's identity (the undo history's key): progress is saved and read under it only."""
    label: str = ""
    notices: list[str] = field(default_factory=list)
    """For the user: a damaged progress file was moved aside (`take_notices`)."""

    @classmethod
    def start(cls, loaded: LoadedTour, session: SessionPort) -> TourRun:
        """Check the tour's requirements, then resume saved progress or begin and record the routes it may change."""
        need = loaded.tour.requires.namespace
        if need and need not in session.cluster.namespaces():
            raise MeshtuiError(f"this tour needs the {need!r} namespace (the shop sample)",
                               hint="run it on `meshtui demo`, or `meshtui up -p default` first")
        identity = session.routes.store()
        run = cls(loaded, session, cluster=identity.cluster, label=identity.label)
        saved, run.notices = tour_progress.load(loaded.name, run.cluster)
        ids = [s.id for s in loaded.tour.steps]
        if saved is not None and saved.step in ids:
            run.index, run.baseline, run.finished = ids.index(saved.step), dict(saved.baseline), saved.finished
        if not run.baseline:
            run.baseline = {f"{ns}/{host}": run._snapshot(host, ns) for ns, host in run.hosts()}
        run.save()
        return run

    # -- state -------------------------------------------------------------------------
    @property
    def step(self) -> TourStep:
        return self.loaded.tour.steps[min(self.index, len(self.loaded.tour.steps) - 1)]

    @property
    def total(self) -> int:
        return len(self.loaded.tour.steps)

    def hosts(self) -> list[tuple[str, str]]:
        """(namespace, host) of every route the tour's conditions or actions mention."""
        found: list[tuple[str, str]] = []
        for step in self.loaded.tour.steps:
            for kind, part in ((step.done_when.kind, step.done_when.value),
                               (step.show_me.kind, step.show_me.value) if step.show_me else ("", None)):
                host, namespace = getattr(part, "host", None), getattr(part, "namespace", None)
                if kind in ROUTE_KINDS and host and namespace and (namespace, host) not in found:
                    found.append((namespace, host))
        return found

    def take_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices

    def _snapshot(self, host: str, namespace: str) -> HostBaseline:
        loaded = self.session.routes.load(host, namespace)
        touched = any(obj is not None and (R.ORIGINAL_ANNOTATION in (obj["metadata"].get("annotations") or {})
                                           or (obj["metadata"].get("labels") or {}).get(R.MANAGED_LABEL)
                                           == R.MANAGED_VALUE)
                      for obj in (loaded.vs_obj, loaded.dr_obj))
        return HostBaseline(vs=loaded.routes.vs, dr=loaded.routes.dr, vs_existed=loaded.vs_obj is not None,
                            dr_existed=loaded.dr_obj is not None, touched_before=touched)

    def save(self) -> None:
        progress = ClusterProgress(label=self.label, step=self.step.id, finished=self.finished, baseline=self.baseline)
        self.notices += tour_progress.save(self.loaded.name, self.cluster, progress)

    # -- conditions --------------------------------------------------------------------
    def holds(self, condition: Condition, facts: ScreenFacts) -> bool:
        kind, value = condition.kind, condition.value
        if kind == "panel_shown":
            return facts.panel == value
        if kind == "pod_selected":
            return facts.selected_app == value.app
        if kind == "logs_showing":
            return any(pod.startswith(f"{value.app}-") for pod in facts.logs_pods)
        if kind == "request_pivoted":
            return facts.pivoted
        if kind == "usage_shown":
            return facts.panel == "resources" and facts.usage_rows > 0
        if kind == "calls_failing":
            return facts.panel == "logs" and value.host in facts.failing_hosts
        if kind == "host_shown":
            return facts.panel == "traffic" and facts.traffic_host == value.host
        if kind == "plan_shown":
            return facts.panel == "setup" and facts.plan_profile == value
        if kind == "ingress_ok":
            return bool(self.session.cluster.probe_ingress().ok)
        routes = self.session.routes.load(value.host, value.namespace).routes
        if kind == "route_weight":
            return routes.weights().get(value.subset, 0) >= value.at_least
        faults = [rule.get("fault") or {} for rule in routes.http]
        if kind == "fault_active":
            return any(f.get(value.kind) if value.kind != "any" else f for f in faults)
        if kind == "fault_cleared":
            return not any(faults)
        if kind == "breaker_active":
            policy = (routes.dr or {}).get("trafficPolicy") or {}
            return bool(policy.get("connectionPool") or policy.get("outlierDetection"))
        raise ValueError(f"unknown condition {kind}")

    def advance_if_done(self, facts: ScreenFacts) -> bool:
        """Move to the next step when the current one's condition holds; True when it moved."""
        if self.finished or not self.holds(self.step.done_when, facts):
            return False
        if self.index + 1 >= self.total:
            self.finished = True
        else:
            self.index += 1
        self.save()
        return True

    # -- show me (route actions; the UI does the screen ones) ----------------------------
    def perform_routes(self, kind: str, value: HostRef) -> str:
        from meshtui.config.tours import FaultAction, WeightsAction

        service = self.session.routes
        loaded = service.load(value.host, value.namespace)
        if kind == "set_weights" and isinstance(value, WeightsAction):
            plan = service.plan(loaded, R.set_weights, dict(value.weights))
        elif kind == "fault" and isinstance(value, FaultAction):
            plan = service.plan(loaded, R.set_fault, delay=value.delay, abort=value.abort, percent=value.percent)
        elif kind == "clear_fault":
            plan = service.plan(loaded, R.clear_fault)
        elif kind == "breaker":
            plan = service.plan(loaded, R.set_breaker)
        else:
            raise ValueError(f"not a route action: {kind}")
        service.apply(plan)
        return plan.diff or "no change"

    # -- reset -------------------------------------------------------------------------
    def reset(self) -> list[str]:
        """Put every route the tour could change back as it was when the tour started."""
        service, done = self.session.routes, []
        for key, before in self.baseline.items():
            namespace, host = key.split("/", 1)
            if before.touched_before:
                service.restore(host, namespace, before.vs, before.dr, vs_existed=before.vs_existed,
                                dr_existed=before.dr_existed)
                done.append(f"restored {key} to its routes before the tour")
            else:
                done += [f"{key}: {line}" for line in service.reset(host, namespace)]
        self.notices += tour_progress.save(self.loaded.name, self.cluster, None)  # this cluster's only
        self.index, self.finished = 0, False
        return done
