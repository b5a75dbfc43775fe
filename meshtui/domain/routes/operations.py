"""Route operations: each copies the routes and changes only the fields it is about.

Weights, presets and shifts rewrite the catch-all rule's destinations; header matches go
in front of it. Faults, mirrors, timeouts and breakers are PARTIAL: a field the caller
did not give keeps its current value, and only a field that does not exist yet gets a
default (breaker defaults are Istio's own outlier-detection defaults and generous pool
limits, so `routes breaker HOST` alone never throttles a healthy service).
"""

from __future__ import annotations

import copy
import re

from meshtui.domain.routes.model import RouteError, Routes, subset_of

# Defaults for a breaker field that does not exist yet (see the module docstring).
BREAKER_DEFAULTS: dict[str, int | str] = {"max_connections": 100, "max_pending": 100, "consecutive_errors": 5,
                                    "interval": "10s", "ejection_time": "30s", "max_ejection_percent": 10}
# breaker input -> (trafficPolicy section, subsection or None, field)
BREAKER_FIELDS: dict[str, tuple[str, str | None, str]] = {
    "max_connections": ("connectionPool", "tcp", "maxConnections"),
    "max_pending": ("connectionPool", "http", "http1MaxPendingRequests"),
    "max_requests_per_connection": ("connectionPool", "http", "maxRequestsPerConnection"),
    "consecutive_errors": ("outlierDetection", None, "consecutive5xxErrors"),
    "interval": ("outlierDetection", None, "interval"),
    "ejection_time": ("outlierDetection", None, "baseEjectionTime"),
    "max_ejection_percent": ("outlierDetection", None, "maxEjectionPercent"),
}
DEFAULT_RETRY_ON = "5xx,connect-failure,refused-stream"


def known_subset(routes: Routes, subset: str, field: str) -> None:
    names = routes.subset_names
    if subset not in names:
        raise RouteError(f"no subset {subset} in {routes.host}", field=field, value=subset,
                         fix=f"use one of its subsets ({', '.join(names) or 'none'})")


def set_weights(routes: Routes, weights: dict[str, int]) -> Routes:
    """Send the catch-all rule's traffic to subsets by weight (weights sum to 100)."""
    for subset in weights:
        known_subset(routes, subset, "weights")
    out = routes.copy()
    rule = out.weighted_rule()
    existing = {subset_of(r): r for r in rule.get("route") or [] if isinstance(r, dict)}
    new_routes = []
    for subset, weight in weights.items():
        if weight <= 0 and len(weights) > 1:
            continue
        base = copy.deepcopy(existing.get(subset)) or {"destination": {"host": out.host, "subset": subset}}
        base.setdefault("destination", {})["subset"] = subset
        base["destination"].setdefault("host", out.host)
        base["weight"] = 100 if len(weights) == 1 else int(weight)
        new_routes.append(base)
    if not new_routes:
        raise RouteError("at least one subset needs a weight above 0", field="weights", value="0",
                         fix="give one subset a positive weight, e.g. v1=100")
    rule["route"] = new_routes
    return out


def shift(routes: Routes, to: str, step: int, source: str | None = None) -> Routes:
    """Move `step` points of weight to subset `to` (negative: back to `source` or the stable one).

    Weight is taken from `source`, or from the heaviest other subsets first.
    """
    known_subset(routes, to, "to")
    if source is not None:
        known_subset(routes, source, "source")
        if source == to:
            raise RouteError(f"cannot move weight from {to} to itself", field="source", value=source,
                             fix="name a different subset with --from")
    weights = dict(routes.weights())
    weights.pop("", None)
    weights.setdefault(to, 0)
    names = routes.subset_names
    if step > 0:
        remaining = min(step, 100 - weights[to])
        donors = [source] if source else sorted((s for s in weights if s != to), key=lambda s: -weights[s])
        if not donors or sum(weights.get(d, 0) for d in donors) == 0:
            where = source or "the other subsets"
            raise RouteError(f"{where} has no weight left to move to {to}", field="source" if source else "to",
                             value=source or to, fix="shift from a subset that has weight (routes show lists them)")
        for donor in donors:
            take = min(weights.get(donor, 0), remaining)
            weights[donor] = weights.get(donor, 0) - take
            weights[to] += take
            remaining -= take
    elif step < 0:
        receiver = source or next((s for s in names if s != to), None)
        if receiver is None:
            raise RouteError(f"no other subset to give {to}'s weight to", field="to", value=to,
                             fix="define a second subset first")
        give = min(-step, weights[to])
        weights[to] -= give
        weights[receiver] = weights.get(receiver, 0) + give
    kept = {s: w for s, w in weights.items() if w > 0}
    return set_weights(routes, kept or {to: 100})


def stable_and_canary(routes: Routes) -> tuple[str, str]:
    """The stable subset (the first known) and the canary (the next one with weight, else the second)."""
    names = routes.subset_names
    if len(names) < 2:
        raise RouteError(f"{routes.host} needs two subsets for this (it has {', '.join(names) or 'none'})",
                         field="preset", fix="deploy a second version, or use set/shift")
    weights = routes.weights()
    stable = names[0]
    canary = next((s for s in names[1:] if weights.get(s, 0) > 0), names[1])
    return stable, canary


PRESETS = ("stable", "canary", "half", "flip", "bluegreen")


def preset(routes: Routes, name: str) -> Routes:
    if name not in PRESETS:
        raise RouteError(f"unknown preset {name!r}", field="preset", value=name, fix=f"use one of {', '.join(PRESETS)}")
    stable, canary = stable_and_canary(routes)
    weights = {s: w for s, w in routes.weights().items() if s}
    if name == "stable":
        return set_weights(routes, {stable: 100})
    if name == "canary":
        return set_weights(routes, {stable: 90, canary: 10})
    if name == "half":
        return set_weights(routes, {stable: 50, canary: 50})
    if name == "flip":
        weighted = [s for s, w in weights.items() if w]
        if len(weighted) != 2:
            raise RouteError("flip needs exactly two weighted subsets", field="preset", value=name,
                             fix="use canary or half first")
        a, b = weighted
        return set_weights(routes, {a: weights[b], b: weights[a]})
    current = max(weights, key=lambda s: weights[s]) if weights else stable
    return set_weights(routes, {canary if current == stable else stable: 100})


def add_header_match(routes: Routes, header: str, value: str, subset: str) -> Routes:
    """Route requests with `header: value` to `subset`, ahead of the weighted rule."""
    known_subset(routes, subset, "subset")
    out = routes.copy()
    key = header.lower()
    out.weighted_rule()
    match = {"headers": {key: {"exact": value}}}
    destination = [{"destination": {"host": out.host, "subset": subset}}]
    for rule in out.http:
        if rule.get("match") == [match]:
            rule["route"] = destination
            return out
    name = re.sub(r"[^a-z0-9-]+", "-", f"match-{key}-{value}".lower()).strip("-")[:60].strip("-")
    out.http.insert(out.weighted_index() or 0, {"name": name, "match": [match], "route": destination})
    return out


def rule_for(out: Routes, subset: str | None) -> dict:
    if subset is None:
        return out.weighted_rule()
    for rule in out.http:
        destinations = rule.get("route") or []
        if destinations and all(subset_of(d) == subset for d in destinations):
            return rule
    raise RouteError(f"no rule sends all its traffic to {subset}", field="subset", value=subset,
                     fix=f"add a header match to {subset} first, or leave the subset out for the weighted rule")
