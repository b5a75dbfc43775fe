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


def as_yaml(obj: Any, *, sort_keys: bool = False) -> str:
    """YAML as kubectl shows it; non-ASCII text stays readable (the sanitiser, not YAML, guards the terminal)."""
    if obj is None:
        return ""
    return yaml.safe_dump(obj, sort_keys=sort_keys, default_flow_style=False, allow_unicode=True)


def _canonical(obj: Any) -> list[str]:
    """The lines a diff compares: keys sorted, so only real changes differ (a server's key order is not one)."""
    return as_yaml(obj, sort_keys=True).splitlines()


def spec_diff(label: str, old: dict | None, new: dict | None, labels: tuple[str, str] = ("before", "after")) -> str:
    """A unified diff of two specs of one object; a created or deleted object shows all its lines."""
    if old == new:
        return ""
    return "\n".join(difflib.unified_diff(_canonical(old), _canonical(new),
                                          f"{label} ({labels[0]})" if old is not None else f"{label} (not there)",
                                          f"{label} ({labels[1]})" if new is not None else f"{label} (deleted)",
                                          lineterm="", n=2))


def diff(before: Routes, after: Routes, labels: tuple[str, str] = ("now", "after"),
         names: tuple[str | None, str | None] = (None, None)) -> str:
    """A unified diff of exactly what changes, VirtualService then DestinationRule.

    Each is headed by the object's name (`names`: VS, DR, as found in the cluster), which
    is the host's name for the objects meshtui creates.
    """
    vs_name, dr_name = (name or before.host for name in names)
    chunks = [spec_diff(f"{label} {before.namespace}/{name}", old, new, labels)
              for label, name, old, new in (("VirtualService", vs_name, before.vs, after.vs),
                                            ("DestinationRule", dr_name, before.dr, after.dr))]
    return "\n".join(chunk for chunk in chunks if chunk)


def percent(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}%" if abs(value - round(value)) < 0.05 else f"{value:.1f}%"


def destination_text(d: DestinationView) -> str:
    if d.external:
        return f"{d.host} (another host) {percent(d.share)}"
    return f"{d.subset or '(any pod)'} {percent(d.share)}"


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


def defaults_text(defaults: dict[str, int | str | float]) -> str:
    """`percent of requests 100, max-connections 100`: values an edit fills in because none were given."""
    names = {"percent": "percent of requests"}
    return ", ".join(f"{names.get(k, k.replace('_', '-'))} {v:g}" if isinstance(v, float) else
                     f"{names.get(k, k.replace('_', '-'))} {v}" for k, v in defaults.items())
