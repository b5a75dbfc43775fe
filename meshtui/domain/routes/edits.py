"""Edits: what the user asked for, as typed values, parsed once for the CLI and the TUI.

An `Edit` (`kinds`: SetWeights, Shift, Fault, Breaker, ...) applies one operation to
`Routes`. The CLI builds its edit from flags and the Traffic panel from its keys and
forms, both through the `parse_*` functions here, so the same input gives the same edit
and therefore the same object. A draft is a list of edits: the engine re-applies it on
top of the cluster's current routes whenever they change (re-basing), and after a
conflicting write. `None` means "not given"; a given but empty value is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from meshtui.domain.routes import operations as ops
from meshtui.domain.routes.inputs import Inputs, InvalidInput, Problem
from meshtui.domain.routes.kinds import (
    Breaker,
    ClearBreaker,
    ClearFault,
    ClearMirror,
    Edit,
    Fault,
    HeaderMatch,
    Mirror,
    Operation,
    Preset,
    RemoveMatch,
    SetWeights,
    Shift,
    Timeout,
    apply_all,
)

__all__ = ["BREAKER_INPUTS", "Breaker", "ClearBreaker", "ClearFault", "ClearMirror", "Edit", "Fault", "HeaderMatch",
           "Mirror", "Operation", "Preset", "RemoveMatch", "SetWeights", "Shift", "Timeout", "apply_all",
           "parse_breaker", "parse_fault", "parse_match", "parse_mirror", "parse_preset", "parse_shift",
           "parse_timeout", "parse_weights", "UNSET"]


# -- parsing what the user typed ------------------------------------------------------------
_WEIGHT = re.compile(r"([^=]*)=(.*)")


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
        seen = len(inputs.problems)
        weight = inputs.integer("weights", match.group(2), minimum=0, maximum=100, example=10)
        # a bad weight is shown with its subset (`v1=-10`), so the user sees which one it is
        inputs.problems[seen:] = [replace(p, value=item.strip()) for p in inputs.problems[seen:]]
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
    points = inputs.integer("by", "10" if by is None else by, minimum=-100, maximum=100, example=10)
    if points == 0:
        inputs.add("by", by, "moving 0 points changes nothing", "use e.g. 10 (or -10 to move weight back)")
    origin = inputs.subset("source", source)
    inputs.check()
    assert target is not None and points is not None
    return Shift(target, points, origin)


def parse_preset(name: str, to: str | None = None) -> Preset:
    inputs = Inputs()
    chosen = inputs.text("preset", name, f"give one of {', '.join(ops.PRESETS)}")
    if chosen is not None and chosen not in ops.PRESETS:
        inputs.add("preset", name, "not a preset", f"use one of {', '.join(ops.PRESETS)}")
    canary = inputs.subset("to", to)
    inputs.check()
    assert chosen is not None
    return Preset(chosen, canary)


def parse_match(header: str | None, value: str | None, subset: str | None, *, remove: bool = False) -> Edit:
    """A header match to `subset`; with `remove` (or subset `remove`), the match's rule is removed."""
    inputs = Inputs()
    if header is None or not header.strip():
        inputs.add("header", header or "", "a header name is required", "e.g. end-user")
    name = inputs.header("header", header if header and header.strip() else None)
    if not value:
        inputs.add("value", "", "a header value is required", "e.g. tester")
    text = inputs.header_value("value", value)
    removing = remove or (subset is not None and subset.strip() == "remove")
    target = None
    if not removing:
        if subset is None or not subset.strip():
            inputs.add("subset", subset or "", "a subset is required", "e.g. v2 (or --remove to drop the match)")
        target = inputs.subset("subset", subset if subset and subset.strip() else None)
    inputs.check()
    assert name is not None and text is not None
    if removing:
        return RemoveMatch(name, text)
    assert target is not None
    return HeaderMatch(name, text, target)


def parse_fault(kind: str, value: str | None, percent: str | None, subset: str | None, *,
                keep_value: bool = False) -> Edit:
    """kind: delay (value a duration), abort (value an HTTP status) or none (remove the fault).

    `keep_value`: the value is the one the rule has (a form left as shown), so only the share
    changes and the delay or status stays whatever the cluster has when the edit is applied.
    """
    inputs = Inputs()
    where = inputs.subset("subset", subset)
    if kind == "none":
        inputs.check()
        return ClearFault(where)
    share = inputs.percent("percent", percent, example="50")
    delay: str | None = None
    abort: int | None = None
    if kind not in ("delay", "abort"):
        inputs.add("kind", kind, "not a fault kind", "use delay, abort or none")
    elif keep_value:
        inputs.check()
        return Fault(percent=share, subset=where, share_of=kind)
    elif value is None or not value.strip():
        inputs.add(kind, value or "", f"{kind} needs a value",
                   "give a duration such as 2s" if kind == "delay" else "give an HTTP status such as 503")
    else:
        delay = inputs.duration("delay", value) if kind == "delay" else None
        abort = inputs.status("abort", value) if kind == "abort" else None
    inputs.check()
    return Fault(delay=delay, abort=abort, percent=share, subset=where)


def parse_mirror(subset: str | None, percent: str | None, *, keep_target: bool = False) -> Edit:
    """subset `none` removes the mirror; `keep_target`: the target stays the current mirror's (a form left as
    shown), only the share changes."""
    inputs = Inputs()
    if subset is not None and subset.strip() == "none":
        return ClearMirror()
    if keep_target:
        share = inputs.percent("percent", percent, example="10")
        inputs.check()
        return Mirror(None, share)
    if subset is None or not subset.strip():
        inputs.add("subset", subset or "", "a subset to mirror to is required", "e.g. v2 (or none to stop mirroring)")
    target = inputs.subset("subset", subset if subset and subset.strip() else None)
    share = inputs.percent("percent", percent, example="10")
    inputs.check()
    assert target is not None
    return Mirror(target, share)


def parse_timeout(timeout: str | None, retries: str | None, per_try: str | None, retry_on: str | None) -> Timeout:
    """timeout `none` removes it; a field not given (None) keeps its current value."""
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
UNSET = "none"


def parse_breaker(values: Mapping[str, str | None]) -> Breaker:
    """Only the fields given change; `none` removes a field (Istio's default applies).

    See `operations.BREAKER_DEFAULTS` for fields that do not exist yet. An empty value is
    an error, never "keep" or a default.
    """
    inputs = Inputs()
    parsed: dict[str, Any] = {}
    unset: list[str] = []
    for name, (kind, example) in BREAKER_INPUTS.items():
        text = values.get(name)
        if text is not None and text.strip() == UNSET:
            unset.append(name)
            continue
        if text is not None and not text.strip():
            inputs.add(name, text, "empty value", f"give a value such as {example}, or {UNSET} to remove the "
                       "field (Istio's default applies)")
            continue
        if kind == "duration":
            parsed[name] = inputs.duration(name, text, example=str(example))
        elif kind == "percent":
            parsed[name] = inputs.integer(name, text, minimum=0, maximum=100, example=int(example))
        else:
            minimum = 1 if kind == "count1" else 0
            why = (" (Istio rejects a negative limit; it accepts 0 but reads it as no limit at all, as if the "
                   f"field were not set: to remove the limit, give {UNSET})") if minimum == 1 else ""
            maximum = 2**32 - 1 if name == "consecutive_errors" else 2**31 - 1
            parsed[name] = inputs.integer(name, text, minimum=minimum, maximum=maximum, example=int(example),
                                          why=why)
    inputs.check()
    return Breaker(**parsed, unset=tuple(unset))
