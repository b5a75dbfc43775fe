"""Edits: what the user asked for, as typed values, parsed once for the CLI and the TUI.

An `Edit` is a small frozen value (SetWeights, Shift, Fault, Breaker, ...) that applies
one operation to `Routes`. The CLI builds its edit from flags and the Traffic panel from
its keys and forms, both through the `parse_*` functions here, so the same input gives
the same edit and therefore the same object. A draft is a list of edits: the engine
re-applies it on top of the cluster's current routes whenever they change (re-basing),
and after a conflicting write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshtui.domain.routes import operations as ops
from meshtui.domain.routes import policies as pol
from meshtui.domain.routes.inputs import Inputs, InvalidInput, Problem, given
from meshtui.domain.routes.model import Routes


@dataclass(frozen=True)
class Edit:
    """Base of every edit; `apply` returns new routes and never changes its input."""

    def apply(self, routes: Routes) -> Routes:  # pragma: no cover - every edit overrides
        raise NotImplementedError


@dataclass(frozen=True)
class SetWeights(Edit):
    weights: tuple[tuple[str, int], ...]

    def apply(self, routes: Routes) -> Routes:
        return ops.set_weights(routes, dict(self.weights))


@dataclass(frozen=True)
class Shift(Edit):
    to: str
    by: int
    source: str | None = None

    def apply(self, routes: Routes) -> Routes:
        return ops.shift(routes, self.to, self.by, self.source)


@dataclass(frozen=True)
class Preset(Edit):
    name: str

    def apply(self, routes: Routes) -> Routes:
        return ops.preset(routes, self.name)


@dataclass(frozen=True)
class HeaderMatch(Edit):
    header: str
    value: str
    subset: str

    def apply(self, routes: Routes) -> Routes:
        return ops.add_header_match(routes, self.header, self.value, self.subset)


@dataclass(frozen=True)
class Fault(Edit):
    delay: str | None = None
    abort: int | None = None
    percent: float | None = None
    subset: str | None = None

    def apply(self, routes: Routes) -> Routes:
        return pol.set_fault(routes, delay=self.delay, abort=self.abort, percent=self.percent, subset=self.subset)


@dataclass(frozen=True)
class ClearFault(Edit):
    subset: str | None = None

    def apply(self, routes: Routes) -> Routes:
        return pol.clear_fault(routes, self.subset)


@dataclass(frozen=True)
class Mirror(Edit):
    subset: str
    percent: float | None = None

    def apply(self, routes: Routes) -> Routes:
        return pol.set_mirror(routes, self.subset, self.percent)


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

    def values(self) -> dict[str, int | str | None]:
        return {name: getattr(self, name) for name in ops.BREAKER_FIELDS}

    def apply(self, routes: Routes) -> Routes:
        return pol.set_breaker(routes, max_connections=self.max_connections, max_pending=self.max_pending,
                               max_requests_per_connection=self.max_requests_per_connection,
                               consecutive_errors=self.consecutive_errors, interval=self.interval,
                               ejection_time=self.ejection_time, max_ejection_percent=self.max_ejection_percent)

    def defaults_used(self, routes: Routes) -> dict[str, int | str]:
        return pol.breaker_defaults_used(routes, self.values())


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


# -- parsing what the user typed ------------------------------------------------------------
_WEIGHT = re.compile(r"([A-Za-z0-9_.-]+)=([+-]?\d{1,12})")


def parse_weights(items: list[str]) -> SetWeights:
    """`v1=90 v2=10`: whole weights from 0 to 100 that sum to 100."""
    inputs = Inputs()
    out: dict[str, int] = {}
    for item in items:
        match = _WEIGHT.fullmatch(item.strip())
        if not match:
            inputs.add("weights", item, "not SUBSET=WEIGHT", "write e.g. v1=90 v2=10")
            continue
        subset = inputs.subset("weights", match.group(1))
        weight = inputs.integer("weights", match.group(2), minimum=0, maximum=100, example=10)
        if subset is not None and weight is not None:
            if subset in out:
                inputs.add("weights", item, f"{subset} is given twice", "give each subset once")
            out[subset] = weight
    inputs.check()
    if sum(out.values()) != 100:
        raise InvalidInput([Problem("weights", " ".join(items), f"the weights sum to {sum(out.values())}, not 100",
                                    "make them add up to 100, e.g. v1=90 v2=10")])
    return SetWeights(tuple(out.items()))


def parse_shift(to: str, by: str | None, source: str | None) -> Shift:
    inputs = Inputs()
    target = inputs.subset("to", to)
    points = inputs.integer("by", by if given(by) else "10", minimum=-100, maximum=100, example=10)
    if points == 0:
        inputs.add("by", by, "moving 0 points changes nothing", "use e.g. 10 (or -10 to move weight back)")
    origin = inputs.subset("source", source)
    inputs.check()
    assert target is not None and points is not None
    return Shift(target, points, origin)


def parse_preset(name: str) -> Preset:
    if name not in ops.PRESETS:
        raise InvalidInput([Problem("preset", name, "not a preset", f"use one of {', '.join(ops.PRESETS)}")])
    return Preset(name)


def parse_match(header: str | None, value: str | None, subset: str | None) -> HeaderMatch:
    inputs = Inputs()
    if not given(header):
        inputs.add("header", "", "a header name is required", "e.g. end-user")
    name = inputs.header("header", header)
    if not value:
        inputs.add("value", "", "a header value is required", "e.g. tester")
    text = inputs.header_value("value", value)
    if not given(subset):
        inputs.add("subset", "", "a subset is required", "e.g. v2")
    target = inputs.subset("subset", subset)
    inputs.check()
    assert name is not None and text is not None and target is not None
    return HeaderMatch(name, text, target)


def parse_fault(kind: str, value: str | None, percent: str | None, subset: str | None) -> Edit:
    """kind: delay (value a duration), abort (value an HTTP status) or none (remove the fault)."""
    inputs = Inputs()
    where = inputs.subset("subset", subset)
    if kind == "none":
        inputs.check()
        return ClearFault(where)
    share = inputs.percent("percent", percent, example="50")
    delay = inputs.duration("delay", value) if kind == "delay" else None
    abort = inputs.status("abort", value) if kind == "abort" else None
    if kind not in ("delay", "abort"):
        inputs.add("kind", kind, "not a fault kind", "use delay, abort or none")
    elif not given(value):
        inputs.add(kind, "", f"{kind} needs a value",
                   "give a duration such as 2s" if kind == "delay" else "give an HTTP status such as 503")
    inputs.check()
    return Fault(delay=delay, abort=abort, percent=share, subset=where)


def parse_mirror(subset: str | None, percent: str | None) -> Edit:
    """subset `none` removes the mirror."""
    inputs = Inputs()
    if subset is not None and subset.strip() == "none":
        return ClearMirror()
    if not given(subset):
        inputs.add("subset", "", "a subset to mirror to is required", "e.g. v2 (or none to stop mirroring)")
    target = inputs.subset("subset", subset)
    share = inputs.percent("percent", percent, example="10")
    inputs.check()
    assert target is not None
    return Mirror(target, share)


def parse_timeout(timeout: str | None, retries: str | None, per_try: str | None, retry_on: str | None) -> Timeout:
    """timeout `none` removes it; a field left empty keeps its current value."""
    inputs = Inputs()
    value: str | None = "" if timeout is not None and timeout.strip() == "none" else inputs.duration("timeout",
                                                                                                    timeout)
    attempts = inputs.integer("retries", retries, minimum=0, example=3)
    per = inputs.duration("per_try", per_try, example="1s")
    policy = inputs.retry_on("retry_on", retry_on)
    inputs.check()
    if value is None and attempts is None and per is None and policy is None:
        raise InvalidInput([Problem("timeout", "", "nothing to change",
                                    "give a timeout (e.g. 2s, or none), --retries, --per-try or --retry-on")])
    return Timeout(value, attempts, per, policy)


BREAKER_INPUTS: dict[str, tuple[str, int | str]] = {
    "max_connections": ("count1", 100), "max_pending": ("count1", 100), "max_requests_per_connection": ("count0", 10),
    "consecutive_errors": ("count0", 5), "interval": ("duration", "10s"), "ejection_time": ("duration", "30s"),
    "max_ejection_percent": ("percent", 10),
}


def parse_breaker(values: Mapping[str, str | None]) -> Breaker:
    """Only the fields given change; see `operations.BREAKER_DEFAULTS` for fields that do not exist yet."""
    inputs = Inputs()
    parsed: dict[str, Any] = {}
    for name, (kind, example) in BREAKER_INPUTS.items():
        text = values.get(name)
        if kind == "duration":
            parsed[name] = inputs.duration(name, text, example=str(example))
        elif kind == "percent":
            parsed[name] = inputs.integer(name, text, minimum=0, maximum=100, example=int(example))
        else:
            minimum = 1 if kind == "count1" else 0
            why = " (a limit of 0 or less is no limit Istio accepts)" if minimum == 1 else ""
            maximum = 2**32 - 1 if name == "consecutive_errors" else 2**31 - 1
            parsed[name] = inputs.integer(name, text, minimum=minimum, maximum=maximum, example=int(example),
                                          why=why)
    inputs.check()
    return Breaker(**parsed)


def apply_all(routes: Routes, edits: list[Edit] | tuple[Edit, ...]) -> Routes:
    for edit in edits:
        routes = edit.apply(routes)
    return routes
