"""Route operations: each copies the routes and changes only the fields it is about.

Weights, presets and shifts rewrite the catch-all rule's destinations; header matches go
in front of it. Faults, mirrors, timeouts and breakers are PARTIAL: a field the caller
did not give keeps its current value. Defaults fill in only what does not exist at all
yet: a new fault's or mirror's share, and the fields of a NEW breaker (Istio's own
outlier-detection defaults and generous pool limits, so `routes breaker HOST` alone
never throttles a healthy service); an existing breaker, however partial, gets exactly
the fields asked for.
"""

from __future__ import annotations

import copy
import re

from meshtui.domain.routes.model import RouteError, Routes, destination_weights, subset_of, whole_percents

# Defaults for the fields of a breaker on a host that has none yet (see the module docstring).
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
    """Send the catch-all rule's traffic to subsets by weight (the whole split: other destinations go)."""
    for subset in weights:
        known_subset(routes, subset, "weights")
    out = routes.copy()
    rule = out.weighted_rule()
    existing = {subset_of(r): r for r in rule.get("route") or [] if isinstance(r, dict) and out.own(r)}
    new_routes = []
    for subset, weight in weights.items():
        if weight <= 0 and len(weights) > 1:
            continue
        new_routes.append(_destination(out, existing.get(subset), subset, 100 if len(weights) == 1 else weight))
    if not new_routes:
        raise RouteError("at least one subset needs a weight above 0", field="weights", value="0",
                         fix="give one subset a positive weight, e.g. v1=100")
    rule["route"] = new_routes
    return out


def _destination(routes: Routes, existing: dict | None, subset: str, weight: int) -> dict:
    """A destination to `subset` of this host (keeping the fields of an existing one) with `weight`."""
    base = copy.deepcopy(existing) if existing is not None else {"destination": {"host": routes.host}}
    base.setdefault("destination", {})["subset"] = subset
    base["destination"].setdefault("host", routes.host)
    base["weight"] = int(weight)
    return base


def shift(routes: Routes, to: str, step: int, source: str | None = None) -> Routes:
    """Move `step` points (percent of the traffic) to subset `to`; negative moves them back.

    Weight is taken from `source`, or from the heaviest of this host's other destinations
    first. Relative weights are read as the percents they mean; destinations of other
    hosts keep their share.
    """
    known_subset(routes, to, "to")
    if source is not None:
        known_subset(routes, source, "source")
        if source == to:
            raise RouteError(f"cannot move weight from {to} to itself", field="source", value=source,
                             fix="name a different subset with --from")
    percents = dict(routes.percents())
    percents.setdefault(to, 0)
    if step > 0:
        _take(routes, percents, to, step, source)
    elif step < 0:
        receiver = source or next((s for s in routes.subset_names if s != to), None)
        if receiver is None:
            raise RouteError(f"{routes.host} has only one subset ({to}): there is no other subset to give "
                             "weight to", field="to", value=to, fix="deploy a second version first")
        give = min(-step, percents[to])
        percents[to] -= give
        percents[receiver] = percents.get(receiver, 0) + give
    return _rewrite(routes, percents)


def _take(routes: Routes, percents: dict[str, int], to: str, step: int, source: str | None) -> None:
    remaining = step
    donors = [source] if source else sorted((s for s in percents if s != to), key=lambda s: -percents[s])
    available = sum(percents.get(d, 0) for d in donors)
    if not donors or available == 0:
        if len(routes.subset_names) < 2 and not source:
            raise RouteError(f"{routes.host} has only one subset ({to}): there is no other subset to take weight "
                             "from", field="to", value=to, fix="deploy a second version first")
        who = f"{source} has" if source else "the other subsets of this host have"
        raise RouteError(f"{who} no weight left to move to {to}", field="source" if source else "to",
                         value=source or to, fix="shift from a subset that has weight (routes show lists them)")
    if source and available < step:
        raise RouteError(f"{source} has only {available}% of the traffic to give", field="by", value=str(step),
                         fix=f"use --by {available} or less")
    for donor in donors:
        take = min(percents.get(donor, 0), remaining)
        percents[donor] = percents.get(donor, 0) - take
        percents[to] += take
        remaining -= take


def _rewrite(routes: Routes, percents: dict[str, int]) -> Routes:
    """The catch-all rule with this host's destinations at `percents`; other hosts' destinations kept."""
    out = routes.copy()
    rule = out.weighted_rule()
    new_routes: list[dict] = []
    done: set[str] = set()
    for destination in [d for d in rule.get("route") or [] if isinstance(d, dict)]:
        if not out.own(destination):
            new_routes.append(destination)
            continue
        subset = subset_of(destination)
        if subset in done or percents.get(subset, 0) <= 0:
            continue
        done.add(subset)
        if subset:
            new_routes.append(_destination(out, destination, subset, percents[subset]))
        else:
            new_routes.append({**copy.deepcopy(destination), "weight": percents[subset]})
    for subset, share in percents.items():
        if subset and subset not in done and share > 0:
            new_routes.append(_destination(out, None, subset, share))
    foreign = [d for d in new_routes if not out.own(d)]
    for d, share in zip(foreign, _foreign_percents(routes), strict=False):
        d["weight"] = share
    if len(new_routes) == 1:
        new_routes[0]["weight"] = 100
    rule["route"] = new_routes
    return out


def _foreign_percents(routes: Routes) -> list[int]:
    destinations = routes.destinations()
    shares = whole_percents(destination_weights(destinations))
    return [share for d, share in zip(destinations, shares, strict=True) if not routes.own(d)]


def stable_and_canary(routes: Routes, canary: str | None = None) -> tuple[str, str]:
    """The stable subset (the first known) and the canary (`canary`, else the next with weight, else the second)."""
    names = routes.subset_names
    if len(names) < 2:
        raise RouteError(f"{routes.host} needs two subsets for this (it has {', '.join(names) or 'none'})",
                         field="preset", value=routes.host, fix="deploy a second version, or use set/shift")
    stable = names[0]
    if canary is not None:
        known_subset(routes, canary, "to")
        if canary == stable:
            raise RouteError(f"{canary} is the stable subset, so it cannot be the canary", field="to", value=canary,
                             fix="choose another subset as the target (v in the panel, --to in the CLI)")
        return stable, canary
    percents = routes.percents()
    return stable, next((s for s in names[1:] if percents.get(s, 0) > 0), names[1])


PRESETS = ("stable", "canary", "half", "flip", "bluegreen")


def preset(routes: Routes, name: str, canary: str | None = None) -> Routes:
    """A named split between the stable subset and the canary (`canary`, or the one already taking traffic)."""
    if name not in PRESETS:
        raise RouteError(f"unknown preset {name!r}", field="preset", value=name, fix=f"use one of {', '.join(PRESETS)}")
    percents = {s: p for s, p in routes.percents().items() if s}
    if name == "flip":
        weighted = [s for s, p in percents.items() if p]
        if len(weighted) != 2:
            raise RouteError(f"flip needs exactly two subsets with traffic ({routes.host} has "
                             f"{', '.join(weighted) or 'none'})", field="preset", value=name,
                             fix="use canary or half first")
        a, b = weighted
        return set_weights(routes, {a: percents[b], b: percents[a]})
    stable, target = stable_and_canary(routes, canary)
    if name == "stable":
        return set_weights(routes, {stable: 100})
    if name == "canary":
        return set_weights(routes, {stable: 90, target: 10})
    if name == "half":
        return set_weights(routes, {stable: 50, target: 50})
    current = max(percents, key=lambda s: percents[s]) if percents else stable
    return set_weights(routes, {target if current == stable else stable: 100})


def _match_name(key: str, value: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", f"match-{key}-{value}".lower()).strip("-")[:60].strip("-")


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
    out.http.insert(out.weighted_index() or 0, {"name": _match_name(key, value), "match": [match],
                                                "route": destination})
    return out


def remove_header_match(routes: Routes, header: str, value: str) -> Routes:
    """Remove the rule that routes `header: value` (as `add_header_match` wrote it, or the same match by hand)."""
    key = header.lower()
    out = routes.copy()
    match = [{"headers": {key: {"exact": value}}}]
    kept = [rule for rule in out.http if not (isinstance(rule, dict) and rule.get("match") == match)]
    if len(kept) == len(out.http):
        raise RouteError(f"no rule of {routes.host} matches exactly {key}={value}", field="header",
                         value=f"{key}={value}", fix="`meshtui routes show` lists the header matches")
    if out.vs is not None:
        out.vs["http"] = kept
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
