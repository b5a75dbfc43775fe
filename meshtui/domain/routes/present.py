"""Text forms of routes for humans: YAML, the minimal diff, one line per rule.

All built from the typed view (`view.RuleView`), never from another display string. The
text may carry external values (hosts, subsets, header values): callers pass it through
the sanitiser before a terminal sees it.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from meshtui.domain.routes.model import Routes
from meshtui.domain.routes.view import BreakerView, DestinationView, RuleView, rule_view


def as_yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False) if obj is not None else ""


def diff(before: Routes, after: Routes) -> str:
    """A unified diff of exactly what changes, VirtualService then DestinationRule."""
    chunks = []
    for label, old, new in (("VirtualService", before.vs, after.vs), ("DestinationRule", before.dr, after.dr)):
        if old == new:
            continue
        if new is None:
            chunks.append(f"- delete {label} {before.namespace}/{before.host}")
            continue
        lines = list(difflib.unified_diff(as_yaml(old).splitlines(), as_yaml(new).splitlines(),
                                          f"{label} {before.namespace}/{before.host} (now)",
                                          f"{label} {before.namespace}/{before.host} (after)", lineterm="", n=2))
        chunks.append("\n".join(lines) if old is not None else f"+ new {label}\n" + as_yaml(new))
    return "\n".join(chunks)


def spec_diff(label: str, old: dict | None, new: dict | None) -> str:
    """A unified diff of two specs of one object (someone else's change, an undo that would clobber it)."""
    if old == new:
        return ""
    return "\n".join(difflib.unified_diff(as_yaml(old).splitlines(), as_yaml(new).splitlines(),
                                          f"{label} (meshtui wrote)", f"{label} (now)", lineterm="", n=2))


def percent(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}%" if abs(value - round(value)) < 0.05 else f"{value:.1f}%"


def destination_text(d: DestinationView) -> str:
    return f"{d.subset or '(any)'} {percent(d.share)}"


def conditions_text(view: RuleView) -> str:
    return f"when {' or '.join(view.conditions)}" if view.conditions else "otherwise"


def extras(view: RuleView) -> list[str]:
    """Fault, mirror, timeout and retries of a rule, one phrase each."""
    out = [f"{f.kind} {f.value} @{percent(f.percent)}" for f in view.faults]
    if view.mirror is not None:
        out.append(f"mirror {view.mirror} @{percent(view.mirror_percent)}")
    if view.timeout:
        out.append(f"timeout {view.timeout}")
    if view.retries is not None:
        retry = f"retries {view.retries}"
        if view.per_try:
            retry += f" per try {view.per_try}"
        out.append(retry)
    if view.other:
        out.append(f"also: {', '.join(view.other)}")
    return out


def describe(view: RuleView) -> str:
    """One line: condition -> destinations (shares), then fault/mirror/timeout/retries."""
    parts = [conditions_text(view), "-> " + (", ".join(destination_text(d) for d in view.destinations) or "(none)")]
    return "  ".join(parts + extras(view))


def describe_rule(rule: dict) -> str:
    return describe(rule_view(0, rule))


def breaker_text(b: BreakerView) -> str:
    def show(value: object) -> str:
        return "-" if value is None else str(value)
    return (f"circuit breaker: maxConnections {show(b.max_connections)}, pending {show(b.max_pending)}, "
            f"requests/connection {show(b.max_requests_per_connection)}; eject after "
            f"{show(b.consecutive_errors)} 5xx in a row (checked every {show(b.interval)}) for "
            f"{show(b.ejection_time)}, at most {show(b.max_ejection_percent)}% of pods")
