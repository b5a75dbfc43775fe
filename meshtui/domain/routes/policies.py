"""Partial edits of a rule's fault, mirror, timeout/retries and of the DestinationRule's breaker.

Every argument that is None means "leave as it is": a breaker edit that gives only the
error threshold keeps the connection limits, a fault edit that gives only a new delay
keeps its percentage. Defaults are filled in only where nothing of that kind exists
yet (a new fault's or mirror's share, a host without any breaker), and
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
              subset: str | None = None, share_of: str | None = None) -> Routes:
    """Inject a fixed delay and/or an abort on the weighted rule (or the rule routing to `subset`).

    `share_of` (delay or abort) with no value of that kind changes only the share of the
    fault of that kind that is there now (a form whose delay or status was left as shown):
    its delay or status stays whatever it is when the edit is applied.
    """
    if delay is None and abort is None and share_of is None:
        raise RouteError("a fault needs a delay or an abort", field="kind",
                         fix="give --delay DURATION (e.g. 2s) or --abort HTTP_STATUS (e.g. 503)")
    out = routes.copy()
    rule = rule_for(out, subset)
    existing = rule.get("fault")
    if share_of is not None and {"delay": delay, "abort": abort}.get(share_of) is None:
        spec = existing.get(share_of) if isinstance(existing, dict) else None
        if not isinstance(spec, dict):
            raise RouteError(f"the rule has no {share_of} fault any more", field="kind", value=share_of,
                             fix=f"give the {share_of}'s value again, or discard the draft")
        if percent is not None:
            spec.pop("percent", None)
            spec["percentage"] = {"value": float(percent)}
    fault: dict[str, Any] = existing if isinstance(existing, dict) else {}
    if delay is None and abort is None:
        return out
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


def fault_exists(routes: Routes, kind: str, subset: str | None = None) -> bool:
    """Whether the rule a fault edit targets already has a `kind` (delay/abort) fault (False if no such rule)."""
    try:
        rule = rule_for(routes.copy(), subset)
    except RouteError:
        return False
    fault = rule.get("fault")
    return isinstance(fault, dict) and isinstance(fault.get(kind), dict)


def mirror_exists(routes: Routes) -> bool:
    index = routes.weighted_index()
    return index is not None and bool(routes.copy().http[index].get("mirror"))


def clear_fault(routes: Routes, subset: str | None = None) -> Routes:
    out = routes.copy()
    rule_for(out, subset).pop("fault", None)
    return out


def set_mirror(routes: Routes, subset: str | None, percent: float | None = None) -> Routes:
    """Mirror the weighted rule's traffic to `subset` (a new mirror mirrors 100 % unless told).

    `subset` None keeps the mirror's current target (only the share changes, if given).
    """
    out = routes.copy()
    rule = out.weighted_rule()
    if rule.get("mirrors"):
        raise RouteError("this rule mirrors to several targets (`mirrors`)", field="subset", value=subset or "",
                         fix="edit `mirrors` with kubectl, or clear them first")
    had_mirror = bool(rule.get("mirror"))
    if subset is None and not had_mirror:
        raise RouteError("the rule mirrors nothing any more", field="subset",
                         fix="choose the subset to mirror to again, or discard the draft")
    if subset is not None:
        known_subset(routes, subset, "subset")
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


def _holder(policy: dict, name: str, create: bool = False) -> dict | None:
    """The dict that holds breaker field `name` in a trafficPolicy (None when it does not exist)."""
    section, sub, _ = BREAKER_FIELDS[name]
    holder = policy.setdefault(section, {}) if create else policy.get(section)
    if sub and isinstance(holder, dict):
        holder = holder.setdefault(sub, {}) if create else holder.get(sub)
    return holder if isinstance(holder, dict) else None


def _prune(dr: dict) -> None:
    """Drop the containers a breaker edit left empty (Istio rejects an empty pool or policy)."""
    policy = dr.get("trafficPolicy")
    if not isinstance(policy, dict):
        return
    pool = policy.get("connectionPool")
    if isinstance(pool, dict):
        for sub in ("tcp", "http"):
            if pool.get(sub) == {}:
                pool.pop(sub)
    for section in ("connectionPool", "outlierDetection"):
        if policy.get(section) == {}:
            policy.pop(section)
    if not policy:
        dr.pop("trafficPolicy")


def has_breaker(routes: Routes) -> bool:
    """Whether the DestinationRule already has a breaker: any connectionPool or outlierDetection setting."""
    policy = (routes.dr or {}).get("trafficPolicy")
    return isinstance(policy, dict) and any(policy.get(section) for section in ("connectionPool",
                                                                                 "outlierDetection"))


def breaker_defaults_used(routes: Routes, given: dict[str, int | str | None],
                          unset: tuple[str, ...] = ()) -> dict[str, int | str]:
    """Defaults `set_breaker` would add: only for a NEW breaker, the fields neither given nor unset.

    A host whose DestinationRule already has a connection pool or outlier detection (set by
    meshtui or anyone else, however partial) gets exactly the fields asked for: a field
    removed with `none` stays removed, and a pool-only policy gets no outlier ejection. An
    edit that only removes fields adds nothing either.
    """
    if has_breaker(routes) or (unset and all(value is None for value in given.values())):
        return {}
    return {name: default for name, default in BREAKER_DEFAULTS.items()
            if given.get(name) is None and name not in unset}


def set_breaker(routes: Routes, *, max_connections: int | None = None, max_pending: int | None = None,
                max_requests_per_connection: int | None = None, consecutive_errors: int | None = None,
                interval: str | None = None, ejection_time: str | None = None,
                max_ejection_percent: int | None = None, unset: tuple[str, ...] = ()) -> Routes:
    """Circuit breaking on the DestinationRule: connection-pool limits plus outlier ejection (partial).

    Fields given change, fields in `unset` are removed, the others keep their value (or
    stay absent). Only a host with no breaker at all gets defaults for the fields not
    given (see `breaker_defaults_used` and `operations.BREAKER_DEFAULTS`).
    """
    out = routes.copy()
    if out.dr is None:
        raise RouteError(f"{out.host} has no DestinationRule", field="host", value=out.host,
                         fix="set weights first: meshtui creates the DestinationRule with its subsets")
    given = {"max_connections": max_connections, "max_pending": max_pending,
             "max_requests_per_connection": max_requests_per_connection, "consecutive_errors": consecutive_errors,
             "interval": interval, "ejection_time": ejection_time, "max_ejection_percent": max_ejection_percent}
    values = {**breaker_defaults_used(out, given, unset), **{k: v for k, v in given.items() if v is not None}}
    policy = out.dr.get("trafficPolicy") if isinstance(out.dr.get("trafficPolicy"), dict) else None
    policy = out.dr["trafficPolicy"] = policy if policy is not None else {}
    for name, value in values.items():
        holder = _holder(policy, name, create=True)
        assert holder is not None
        holder[BREAKER_FIELDS[name][2]] = value
    for name in unset:
        holder = _holder(policy, name)
        if holder is not None:
            holder.pop(BREAKER_FIELDS[name][2], None)
    _prune(out.dr)
    return out


def clear_breaker(routes: Routes) -> Routes:
    """Remove the fields meshtui's breaker sets; every other pool or ejection setting stays."""
    out = routes.copy()
    policy = (out.dr or {}).get("trafficPolicy")
    if out.dr is None or not isinstance(policy, dict):
        return out
    for name in BREAKER_FIELDS:
        holder = _holder(policy, name)
        if holder is not None:
            holder.pop(BREAKER_FIELDS[name][2], None)
    _prune(out.dr)
    return out


def subsets_from_versions(host: str, versions: list[str]) -> dict:
    """A DestinationRule spec with one subset per pod `version` label."""
    return {"host": host, "subsets": [{"name": v, "labels": {"version": v}} for v in versions]}
