"""The route engine's typed results: what was loaded, what an apply will do, and its errors.

`Loaded` is the cluster's truth for one host (the objects as read, their specs, the pod
versions, the undo depth); `Plan` is a list of edits applied on top of it, validated,
with the exact diff; the errors carry what each front end needs to show the problem in
its own words (the field, the value and the fix; the other writer's change; the diff an
undo would discard). Front ends render these, they never rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meshtui.domain import routes as R
from meshtui.domain.errors import Conflict, MeshtuiError, UsageError
from meshtui.domain.routes.edits import Edit
from meshtui.domain.routes.inputs import Problem

GROUP = "networking.istio.io"


def managed(obj: dict | None) -> bool:
    """Created by meshtui (and so deleted by reset)."""
    return bool(obj) and ((obj or {}).get("metadata", {}).get("labels") or {}).get(R.MANAGED_LABEL) == R.MANAGED_VALUE


def touched(obj: dict | None) -> bool:
    """Someone else's object that meshtui changed (its original spec is in an annotation)."""
    return bool(obj) and R.ORIGINAL_ANNOTATION in ((obj or {}).get("metadata", {}).get("annotations") or {})


def resource_version(obj: dict | None) -> str | None:
    return ((obj or {}).get("metadata") or {}).get("resourceVersion")


ANNOTATION_LIMIT = 256 * 1024
"""The API server's limit on the total size of an object's annotations (keys plus values, in bytes)."""


def annotation_bytes(annotations: dict) -> int:
    """Annotation size as the API server counts it: the bytes of every key and value."""
    return sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())


def summarize(routes: R.Routes, vs: dict | None, dr: dict | None) -> HostSummary:
    """One host as `routes list` and the panel's host table show it."""
    rule = R.view(routes).weighted
    weights: dict[str, int] = {}
    shares: dict[str, float] = {}
    for d in rule.destinations if rule else ():
        weights[d.key] = weights.get(d.key, 0) + d.weight
        shares[d.key] = shares.get(d.key, 0.0) + (d.share or 0.0)
    return HostSummary(routes.namespace, routes.host, list(routes.versions), vs["metadata"]["name"] if vs else None,
                       dr["metadata"]["name"] if dr else None, weights, len((routes.vs or {}).get("http") or []),
                       managed(vs) or managed(dr), touched(vs) or touched(dr), shares)


@dataclass
class Loaded:
    """One host's routes as they are in the cluster, plus the objects they came from (None when missing)."""

    routes: R.Routes
    vs_obj: dict | None = None
    dr_obj: dict | None = None
    undo_depth: int = 0
    notices: list[str] = field(default_factory=list)
    """Things the user must be told (an unreadable undo history that was moved aside)."""

    @property
    def base(self) -> R.Routes:
        """What edits apply to: the specs, with a DestinationRule of the pods' versions when there is none."""
        base = self.routes.copy()
        if base.dr is None and base.versions:
            base.dr = R.subsets_from_versions(base.host, base.versions)
        return base

    @property
    def view(self) -> R.RoutesView:
        return R.view(self.routes)

    @property
    def summary(self) -> HostSummary:
        """This host as a `routes list` row."""
        return summarize(self.routes, self.vs_obj, self.dr_obj)

    @property
    def names(self) -> tuple[str | None, str | None]:
        """The names of the VS and DR found (None for one meshtui would create, named after the host)."""
        def name(obj: dict | None) -> str | None:
            return ((obj or {}).get("metadata") or {}).get("name")
        return name(self.vs_obj), name(self.dr_obj)

    @property
    def stamp(self) -> tuple[str | None, str | None]:
        """resourceVersions of the VS and DR: changes when anyone writes them."""
        return resource_version(self.vs_obj), resource_version(self.dr_obj)


@dataclass
class Plan:
    """What an apply will do: the edits, the specs after them, Istio's findings and the diff."""

    loaded: Loaded
    after: R.Routes
    findings: list[R.Finding] = field(default_factory=list)
    edits: tuple[Edit, ...] = ()
    defaults: dict[str, int | str | float] = field(default_factory=dict)
    """Values filled in because they were not given and did not exist (breaker fields, a new fault's percent)."""

    @property
    def diff(self) -> str:
        return R.diff(self.loaded.routes, self.after, names=self.loaded.names)

    @property
    def errors(self) -> list[R.Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[R.Finding]:
        return [f for f in self.findings if f.level != "error"]

    @property
    def changed(self) -> bool:
        return self.loaded.routes.vs != self.after.vs or self.loaded.routes.dr != self.after.dr

    @property
    def view(self) -> R.RoutesView:
        return R.view(self.after)


@dataclass
class ResetPlan:
    """What a reset will do: the actions in words, the routes after it (a deleted object is None), warnings."""

    loaded: Loaded
    after: R.Routes
    actions: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def diff(self) -> str:
        return R.diff(self.loaded.routes, self.after, names=self.loaded.names)


@dataclass(frozen=True)
class HostSummary:
    namespace: str
    host: str
    versions: list[str]
    virtual_service: str | None
    destination_rule: str | None
    weights: dict[str, int]
    """Destination key (subset, '' for any pod, `→ host` for another host) -> weight as written."""
    rules: int
    managed: bool
    touched: bool
    shares: dict[str, float] = field(default_factory=dict)
    """The same keys -> percent of the catch-all rule's traffic (what `show` and the panel display)."""

    def to_json(self) -> dict:
        return {"namespace": self.namespace, "host": self.host, "versions": self.versions,
                "virtual_service": self.virtual_service, "destination_rule": self.destination_rule,
                "weights": self.weights, "shares": self.shares, "rules": self.rules, "managed": self.managed,
                "touched": self.touched}


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    written: bool
    notices: list[str] = field(default_factory=list)


class EditRejected(UsageError):
    """An edit that does not fit (a bad value, a subset that does not exist): nothing was written."""

    def __init__(self, host: str, problems: list[Problem]) -> None:
        super().__init__(f"{host}: " + "; ".join(p.text() for p in problems))
        self.host = host
        self.problems = problems


class InvalidRoutes(UsageError):
    """The routes after the edit would break Istio's rules: nothing was written."""

    def __init__(self, host: str, findings: list[R.Finding]) -> None:
        super().__init__(f"{host}: the change is invalid, nothing was written: "
                         + "; ".join(f.message for f in findings))
        self.host = host
        self.findings = findings


class RouteConflict(Conflict):
    """The routes changed between our read and our write (HTTP 409); nothing more was written."""

    def __init__(self, host: str, their_change: str, current: dict | None, *, replanned: Plan | None = None,
                 by_meshtui: bool = False, replan_error: str | None = None) -> None:
        who = "meshtui itself (a tour, another panel or command)" if by_meshtui else "another writer"
        super().__init__(f"{host}: the routes were changed by {who} since they were read; nothing was written",
                         current=current,
                         hint="review the other change; your edits are re-applied on top of it for you to confirm")
        self.their_change = their_change
        self.replanned = replanned
        self.by_meshtui = by_meshtui
        self.replan_error = replan_error


class NameTaken(MeshtuiError):
    """meshtui would create an object whose name another object, for another host, already has (exit 1)."""

    def __init__(self, kind: str, namespace: str, name: str, routes: str) -> None:
        super().__init__(f"a {kind} named {name} already exists in {namespace} and routes {routes}, not {name}; "
                         "meshtui will not overwrite it, so nothing was written",
                         hint=f"rename or delete {namespace}/{name} with kubectl, or add {name} to its hosts")
        self.kind = kind
        self.name = name
        self.routes = routes


class OriginalTooLarge(MeshtuiError):
    """The original spec does not fit in meshtui's annotation (the API's 256 KiB annotation limit): exit 1."""

    def __init__(self, kind: str, namespace: str, name: str, size: int, limit: int) -> None:
        super().__init__(
            f"cannot change {kind} {namespace}/{name}: before its first change meshtui keeps a copy of its "
            f"original spec in its own annotation {R.ORIGINAL_ANNOTATION} (so that `meshtui routes reset` can "
            f"restore it), and with that copy the object's annotations would take {size // 1024} KiB, over the "
            f"API server's limit of {limit // 1024} KiB; nothing was written",
            hint=f"this {kind} is too large for meshtui to keep its original: edit it with kubectl")
        self.size = size
        self.limit = limit


class UndoRefused(Conflict):
    """The object changed after meshtui's write: undo would discard that change."""

    def __init__(self, host: str, changes: str) -> None:
        super().__init__(f"{host}: the routes changed after meshtui's last write; undo would discard that change, "
                         "so nothing was restored", hint="--force restores anyway (and loses that change)")
        self.changes = changes


class UndoUnavailable(MeshtuiError):
    """Nothing to undo for this host in this cluster (exit 1: nothing was done, the input was fine)."""
