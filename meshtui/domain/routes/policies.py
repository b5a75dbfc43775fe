"""Partial edits of a rule's fault, mirror, timeout/retries and of the DestinationRule's breaker.

Every argument that is None means "leave as it is": a breaker edit that gives only the
error threshold keeps the connection limits, a fault edit that gives only a new delay
keeps its percentage. Only a field that does not exist yet gets a default, and
`breaker_defaults_used` tells the caller which, so the preview can say so.
"""

from __future__ import annotations

from typing import Any

from meshtui.domain.routes.model import RouteError, Routes
from meshtui.domain.routes.operations import (
    BREAKER_DEFAULTS,
    BREAKER_FIELDS,
    DEFAULT_RETRY_ON,
    known_subset,
    rule_for,
)


def set_fault(routes: Routes, *, delay: str | None = None, abort: int | None = None, percent: float | None = None,
              subset: str | None = None) -> Routes:
    """Inject a fixed delay and/or an abort on the weighted rule (or the rule routing to `subset`)."""
    if delay is None and abort is None:
        raise RouteError("a fault needs a delay or an abort", field="kind",
                         fix="give --delay DURATION (e.g. 2s) or --abort HTTP_STATUS (e.g. 503)")
    out = routes.copy()
    rule = rule_for(out, subset)
    existing = rule.get("fault")
    fault: dict[str, Any] = existing if isinstance(existing, dict) else {}
    rule["fault"] = fault
    for kind, key, value in (("delay", "fixedDelay", delay), ("abort", "httpStatus", abort)):
        if value is None:
            continue
        spec = fault.get(kind)
        current: dict[str, Any] = spec if isinstance(spec, dict) else {}
        percentage = current.get("percentage")
        old = percentage.get("value") if isinstance(percentage, dict) else None
        share = float(percent) if percent is not None else float(old) if isinstance(old, (int, float)) else 100.0
        updated = {k: v for k, v in current.items() if k not in ("percent", "exponentialDelay", "grpcStatus",
                                                                 "http2Error")}
        updated[key] = value
        updated["percentage"] = {"value": share}
        fault[kind] = updated
    return out


def clear_fault(routes: Routes, subset: str | None = None) -> Routes:
    out = routes.copy()
    rule_for(out, subset).pop("fault", None)
    return out


def set_mirror(routes: Routes, subset: str, percent: float | None = None) -> Routes:
    """Mirror the weighted rule's traffic to `subset` (a new mirror mirrors 100 % unless told)."""
    known_subset(routes, subset, "subset")
    out = routes.copy()
    rule = out.weighted_rule()
    if rule.get("mirrors"):
        raise RouteError("this rule mirrors to several targets (`mirrors`)", field="subset", value=subset,
                         fix="edit `mirrors` with kubectl, or clear them first")
    had_mirror = bool(rule.get("mirror"))
    rule["mirror"] = {"host": out.host, "subset": subset}
    if percent is not None:
        rule["mirrorPercentage"] = {"value": float(percent)}
        rule.pop("mirrorPercent", None)
    elif not had_mirror:
        rule["mirrorPercentage"] = {"value": 100.0}
        rule.pop("mirrorPercent", None)
    return out


def clear_mirror(routes: Routes) -> Routes:
    out = routes.copy()
    rule = out.weighted_rule()
    for key in ("mirror", "mirrorPercentage", "mirrorPercent", "mirrors"):
        rule.pop(key, None)
    return out


def set_timeout(routes: Routes, timeout: str | None = None, retries: int | None = None, per_try: str | None = None,
                retry_on: str | None = None) -> Routes:
    """Timeout ('' removes it) and retries of the weighted rule; what is not given is kept."""
    out = routes.copy()
    rule = out.weighted_rule()
    if timeout == "":
        rule.pop("timeout", None)
    elif timeout is not None:
        rule["timeout"] = timeout
    current = rule.get("retries") if isinstance(rule.get("retries"), dict) else None
    if retries is None and current is None and (per_try is not None or retry_on is not None):
        raise RouteError("a per-try timeout or retryOn needs retries", field="retries",
                         fix="give the number of retry attempts too (e.g. --retries 3)")
    if retries == 0:
        if per_try is not None or retry_on is not None:
            raise RouteError("0 attempts disables retries, so a per-try timeout or retryOn cannot go with it",
                             field="retries", value="0", fix="give attempts of 1 or more, or leave the others out")
        rule["retries"] = {"attempts": 0}
        return out
    if retries is None and current is None:
        return out
    spec: dict[str, Any] = dict(current or {})
    if retries is not None:
        spec["attempts"] = retries
    if spec.get("attempts") == 0 and (per_try is not None or retry_on is not None):
        raise RouteError("retries are disabled (attempts: 0)", field="retries", value="0",
                         fix="give attempts of 1 or more together with the per-try timeout or retryOn")
    if per_try is not None:
        spec["perTryTimeout"] = per_try
    if retry_on is not None:
        spec["retryOn"] = retry_on
    elif current is None:
        spec["retryOn"] = DEFAULT_RETRY_ON
    rule["retries"] = spec
    return out


def breaker_defaults_used(routes: Routes, given: dict[str, int | str | None]) -> dict[str, int | str]:
    """Defaults `set_breaker` would add: fields not given and not already on the DestinationRule."""
    policy = (routes.dr or {}).get("trafficPolicy") or {}
    used = {}
    for name, default in BREAKER_DEFAULTS.items():
        section, sub, key = BREAKER_FIELDS[name]
        holder = policy.get(section) or {}
        holder = (holder.get(sub) or {}) if sub else holder
        if given.get(name) is None and key not in holder:
            used[name] = default
    return used


def set_breaker(routes: Routes, *, max_connections: int | None = None, max_pending: int | None = None,
                max_requests_per_connection: int | None = None, consecutive_errors: int | None = None,
                interval: str | None = None, ejection_time: str | None = None,
                max_ejection_percent: int | None = None) -> Routes:
    """Circuit breaking on the DestinationRule: connection-pool limits plus outlier ejection (partial)."""
    out = routes.copy()
    if out.dr is None:
        raise RouteError(f"{out.host} has no DestinationRule", field="host",
                         fix="set weights first: meshtui creates the DestinationRule with its subsets")
    given = {"max_connections": max_connections, "max_pending": max_pending,
             "max_requests_per_connection": max_requests_per_connection, "consecutive_errors": consecutive_errors,
             "interval": interval, "ejection_time": ejection_time, "max_ejection_percent": max_ejection_percent}
    values = {**breaker_defaults_used(out, given), **{k: v for k, v in given.items() if v is not None}}
    policy = out.dr.get("trafficPolicy") if isinstance(out.dr.get("trafficPolicy"), dict) else None
    policy = out.dr["trafficPolicy"] = policy if policy is not None else {}
    for name, value in values.items():
        section, sub, key = BREAKER_FIELDS[name]
        holder = policy.setdefault(section, {})
        if sub:
            holder = holder.setdefault(sub, {})
        holder[key] = value
    return out


def clear_breaker(routes: Routes) -> Routes:
    out = routes.copy()
    policy = (out.dr or {}).get("trafficPolicy") or {}
    policy.pop("connectionPool", None)
    policy.pop("outlierDetection", None)
    if out.dr is not None and not policy:
        out.dr.pop("trafficPolicy", None)
    return out


def subsets_from_versions(host: str, versions: list[str]) -> dict:
    """A DestinationRule spec with one subset per pod `version` label."""
    return {"host": host, "subsets": [{"name": v, "labels": {"version": v}} for v in versions]}
