"""The kinds of edit, as small frozen values that each apply one operation to `Routes`.

An edit never changes its input: `apply` returns new routes. `defaults_used` names the
values an edit would fill in because the user did not give them and the field does not
exist yet (a new fault's or mirror's 100 %, a new breaker's limits), so every front end
can say so before anything is applied. `edits` parses what users type into these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meshtui.domain.routes import operations as ops
from meshtui.domain.routes import policies as pol
from meshtui.domain.routes.model import Routes


@dataclass(frozen=True)
class Edit:
    """Base of every edit; `apply` returns new routes and never changes its input."""

    def apply(self, routes: Routes) -> Routes:  # pragma: no cover - every edit overrides
        raise NotImplementedError

    def defaults_used(self, routes: Routes) -> dict[str, int | str | float]:
        """Values this edit fills in on `routes` that the user did not give (none by default)."""
        return {}

    def unchanged_reason(self, routes: Routes) -> str | None:
        """Why this edit leaves `routes` as they are, when that is not just "already like that"."""
        return None

    def summary(self) -> str:
        """A few words for the history and the undo question ("preset canary to v3", "breaker")."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", type(self).__name__).lower()


@dataclass(frozen=True)
class SetWeights(Edit):
    weights: tuple[tuple[str, int], ...]

    def apply(self, routes: Routes) -> Routes:
        return ops.set_weights(routes, dict(self.weights))

    def summary(self) -> str:
        return "set " + " ".join(f"{subset}={weight}" for subset, weight in self.weights)


@dataclass(frozen=True)
class Shift(Edit):
    to: str
    by: int
    source: str | None = None

    def apply(self, routes: Routes) -> Routes:
        return ops.shift(routes, self.to, self.by, self.source)

    def unchanged_reason(self, routes: Routes) -> str | None:
        if self.by < 0 and routes.percents().get(self.to, 0) == 0:
            return f"{self.to} has no weight to move back (it takes 0% of the traffic)"
        return None

    def summary(self) -> str:
        return f"shift {self.by:+d}% to {self.to}" + (f" from {self.source}" if self.source else "")


@dataclass(frozen=True)
class Preset(Edit):
    name: str
    canary: str | None = None
    """The subset the preset sends canary traffic to (the panel's target, `--to`); None picks one."""

    def apply(self, routes: Routes) -> Routes:
        return ops.preset(routes, self.name, self.canary)

    def summary(self) -> str:
        return f"preset {self.name}" + (f" with {self.canary}" if self.canary else "")


@dataclass(frozen=True)
class HeaderMatch(Edit):
    header: str
    value: str
    subset: str

    def apply(self, routes: Routes) -> Routes:
        return ops.add_header_match(routes, self.header, self.value, self.subset)

    def summary(self) -> str:
        return f"match {self.header}={self.value} to {self.subset}"


@dataclass(frozen=True)
class RemoveMatch(Edit):
    header: str
    value: str

    def apply(self, routes: Routes) -> Routes:
        return ops.remove_header_match(routes, self.header, self.value)

    def summary(self) -> str:
        return f"remove match {self.header}={self.value}"


def _new_share(percent: float | None, exists: bool) -> dict[str, int | str | float]:
    return {"percent": 100.0} if percent is None and not exists else {}


@dataclass(frozen=True)
class Fault(Edit):
    delay: str | None = None
    abort: int | None = None
    percent: float | None = None
    subset: str | None = None
    share_of: str | None = None
    """With no delay or abort given: the kind of the existing fault whose share alone changes (a form left as
    shown keeps the delay or status the cluster has when the draft is applied)."""

    def apply(self, routes: Routes) -> Routes:
        return pol.set_fault(routes, delay=self.delay, abort=self.abort, percent=self.percent, subset=self.subset,
                             share_of=self.share_of)

    def defaults_used(self, routes: Routes) -> dict[str, int | str | float]:
        kinds = [kind for kind, value in (("delay", self.delay), ("abort", self.abort)) if value is not None]
        if not kinds:
            return {}
        return _new_share(self.percent, all(pol.fault_exists(routes, kind, self.subset) for kind in kinds))


@dataclass(frozen=True)
class ClearFault(Edit):
    subset: str | None = None

    def apply(self, routes: Routes) -> Routes:
        return pol.clear_fault(routes, self.subset)


@dataclass(frozen=True)
class Mirror(Edit):
    subset: str | None
    """None keeps the current mirror's target (a form whose target was left as shown)."""
    percent: float | None = None

    def apply(self, routes: Routes) -> Routes:
        return pol.set_mirror(routes, self.subset, self.percent)

    def defaults_used(self, routes: Routes) -> dict[str, int | str | float]:
        return _new_share(self.percent, pol.mirror_exists(routes))


@dataclass(frozen=True)
class ClearMirror(Edit):
    def apply(self, routes: Routes) -> Routes:
        return pol.clear_mirror(routes)


@dataclass(frozen=True)
class Timeout(Edit):
    timeout: str | None = None
    """A duration, '' to remove the timeout, None to keep it."""
    retries: int | None = None
    per_try: str | None = None
    retry_on: str | None = None

    def apply(self, routes: Routes) -> Routes:
        return pol.set_timeout(routes, self.timeout, self.retries, self.per_try, self.retry_on)


@dataclass(frozen=True)
class Breaker(Edit):
    max_connections: int | None = None
    max_pending: int | None = None
    max_requests_per_connection: int | None = None
    consecutive_errors: int | None = None
    interval: str | None = None
    ejection_time: str | None = None
    max_ejection_percent: int | None = None
    unset: tuple[str, ...] = ()
    """Fields to remove (Istio's own default then applies); they get no default either."""

    def values(self) -> dict[str, int | str | None]:
        return {name: getattr(self, name) for name in ops.BREAKER_FIELDS}

    def apply(self, routes: Routes) -> Routes:
        return pol.set_breaker(routes, **self.values(), unset=self.unset)  # type: ignore[arg-type]

    def defaults_used(self, routes: Routes) -> dict[str, int | str | float]:
        return dict(pol.breaker_defaults_used(routes, self.values(), self.unset))


@dataclass(frozen=True)
class ClearBreaker(Edit):
    def apply(self, routes: Routes) -> Routes:
        return pol.clear_breaker(routes)


@dataclass(frozen=True)
class Operation(Edit):
    """Any `domain.routes` operation with its arguments (what tours hand to `RouteService.plan`)."""

    function: Callable[..., Routes]
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = field(default=())

    def apply(self, routes: Routes) -> Routes:
        return self.function(routes, *self.args, **dict(self.kwargs))

    def summary(self) -> str:
        return self.function.__name__.replace("_", " ")


def apply_all(routes: Routes, edits: list[Edit] | tuple[Edit, ...]) -> Routes:
    for edit in edits:
        routes = edit.apply(routes)
    return routes
