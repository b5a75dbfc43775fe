"""Traffic routes of one host: operations on VirtualService/DestinationRule specs, pure.

Specs are kept as the plain dicts the API returned and operations copy them and change
only the fields they are about, so every field meshtui does not model (corsPolicy,
rewrite, headers, tls, exportTo, ...) round-trips untouched and the change is minimal.
The "weighted rule" is the catch-all rule (the last without `match`); header matches
go in front of it. Validation mirrors what Istio rejects plus `istioctl analyze`'s
IST0101 (a subset that no DestinationRule defines).
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

MANAGED_LABEL = "app.kubernetes.io/managed-by"
MANAGED_VALUE = "meshtui"
ORIGINAL_ANNOTATION = "meshtui.dev/original-spec"
_DURATION = re.compile(r"^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$")


class RouteError(ValueError):
    """An operation that cannot be expressed on these routes (exit 2 in the CLI)."""


def fqdn(host: str, namespace: str) -> str:
    if host.endswith(".svc.cluster.local") or host == "*":
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return f"{host}.{namespace}.svc.cluster.local"
    return f"{host}.svc.cluster.local" if len(parts) == 2 else host


def same_host(a: str, b: str, namespace: str) -> bool:
    return fqdn(a, namespace) == fqdn(b, namespace)


@dataclass
class Routes:
    """The editable state of one host: VS and DR specs (copies), plus where they live."""

    host: str
    namespace: str
    vs: dict | None = None
    dr: dict | None = None
    versions: list[str] = field(default_factory=list)
    """Version labels of the host's pods (subset candidates)."""

    def copy(self) -> Routes:
        return Routes(self.host, self.namespace, copy.deepcopy(self.vs), copy.deepcopy(self.dr), list(self.versions))

    @property
    def http(self) -> list[dict]:
        return (self.vs or {}).setdefault("http", [])

    @property
    def subsets(self) -> list[str]:
        return [s.get("name", "") for s in (self.dr or {}).get("subsets") or []]

    def weighted_index(self) -> int | None:
        """Index of the catch-all rule (the one traffic reaches when no match applies)."""
        rules = (self.vs or {}).get("http") or []
        for i in range(len(rules) - 1, -1, -1):
            if not rules[i].get("match"):
                return i
        return None

    def weighted_rule(self, create: bool = True) -> dict:
        index = self.weighted_index()
        if index is not None:
            return self.http[index]
        if not create:
            raise RouteError(f"{self.host} has no catch-all rule")
        if self.vs is None:
            self.vs = {"hosts": [self.host], "http": []}
        rule = {"name": "primary", "route": [{"destination": {"host": self.host}}]}
        self.http.append(rule)
        return rule

    def weights(self) -> dict[str, int]:
        """Subset -> weight of the catch-all rule (a lone destination counts 100)."""
        index = self.weighted_index()
        if index is None:
            return {}
        routes = self.http[index].get("route") or []
        out: dict[str, int] = {}
        for route in routes:
            subset = (route.get("destination") or {}).get("subset") or ""
            out[subset] = out.get(subset, 0) + int(route.get("weight", 100 if len(routes) == 1 else 0) or 0)
        return out


# -- operations ----------------------------------------------------------------------
def set_weights(routes: Routes, weights: dict[str, int]) -> Routes:
    """Send the catch-all rule's traffic to subsets by weight (weights sum to 100)."""
    out = routes.copy()
    rule = out.weighted_rule()
    existing = {(r.get("destination") or {}).get("subset"): r for r in rule.get("route") or []}
    new_routes = []
    for subset, weight in weights.items():
        base = copy.deepcopy(existing.get(subset)) or {"destination": {"host": out.host, "subset": subset}}
        base.setdefault("destination", {})["subset"] = subset
        base["destination"].setdefault("host", out.host)
        if len(weights) == 1:
            base.pop("weight", None)
            base["weight"] = 100
        else:
            base["weight"] = int(weight)
        if weight > 0 or len(weights) == 1:
            new_routes.append(base)
    if not new_routes:
        raise RouteError("at least one subset needs a weight above 0")
    rule["route"] = new_routes
    return out


def shift(routes: Routes, to: str, step: int, source: str | None = None) -> Routes:
    """Move `step` points of weight to subset `to` (negative: back to `source` or the stable one).

    Weight is taken from `source`, or from the heaviest other subsets first.
    """
    weights = dict(routes.weights())
    weights.pop("", None)
    weights.setdefault(to, 0)
    names = [s for s in routes.subsets if s] or list(weights)
    if step > 0:
        remaining = min(step, 100 - weights[to])
        donors = [source] if source else sorted((s for s in weights if s != to), key=lambda s: -weights[s])
        if not donors or sum(weights.get(d, 0) for d in donors) == 0:
            raise RouteError(f"no weight left to move to {to}")
        for donor in donors:
            take = min(weights.get(donor, 0), remaining)
            weights[donor] = weights.get(donor, 0) - take
            weights[to] += take
            remaining -= take
    elif step < 0:
        receiver = source or next((s for s in names if s != to), None)
        if receiver is None:
            raise RouteError(f"no other subset to give {to}'s weight to")
        give = min(-step, weights[to])
        weights[to] -= give
        weights[receiver] = weights.get(receiver, 0) + give
    kept = {s: w for s, w in weights.items() if w > 0}
    return set_weights(routes, kept or {to: 100})


def stable_and_canary(routes: Routes) -> tuple[str, str]:
    """The stable subset (the first known) and the canary (the next one)."""
    names = [s for s in routes.subsets if s] or routes.versions
    if len(names) < 2:
        raise RouteError(f"{routes.host} needs two subsets for this (it has {', '.join(names) or 'none'})")
    weights = routes.weights()
    stable = names[0]
    canary = next((s for s in names[1:] if weights.get(s, 0) > 0), names[1])
    return stable, canary


def preset(routes: Routes, name: str) -> Routes:
    stable, canary = stable_and_canary(routes)
    weights = routes.weights()
    if name == "stable":
        return set_weights(routes, {stable: 100})
    if name == "canary":
        return set_weights(routes, {stable: 90, canary: 10})
    if name == "half":
        return set_weights(routes, {stable: 50, canary: 50})
    if name == "flip":
        if len([w for w in weights.values() if w]) != 2:
            raise RouteError("flip needs exactly two weighted subsets")
        a, b = [s for s, w in weights.items() if w]
        return set_weights(routes, {a: weights[b], b: weights[a]})
    if name == "bluegreen":
        current = max(weights, key=lambda s: weights[s]) if weights else stable
        target = canary if current == stable else stable
        return set_weights(routes, {target: 100})
    raise RouteError(f"unknown preset {name!r} (stable, canary, half, flip, bluegreen)")


def add_header_match(routes: Routes, header: str, value: str, subset: str) -> Routes:
    """Route requests with `header: value` to `subset`, ahead of the weighted rule."""
    out = routes.copy()
    key = header.lower()
    out.weighted_rule()
    match = {"headers": {key: {"exact": value}}}
    for rule in out.http:
        if rule.get("match") == [match]:
            rule["route"] = [{"destination": {"host": out.host, "subset": subset}}]
            return out
    name = re.sub(r"[^a-z0-9-]+", "-", f"match-{key}-{value}".lower()).strip("-")[:60]
    out.http.insert(out.weighted_index() or 0, {"name": name, "match": [match],
                                                "route": [{"destination": {"host": out.host, "subset": subset}}]})
    return out


def _rule_for(out: Routes, subset: str | None) -> dict:
    if subset is None:
        return out.weighted_rule()
    for rule in out.http:
        destinations = rule.get("route") or []
        if destinations and all((d.get("destination") or {}).get("subset") == subset for d in destinations):
            return rule
    raise RouteError(f"no rule sends all its traffic to {subset}; add a header match to {subset} first, "
                     "or omit --subset to apply it to the weighted rule")


def set_fault(routes: Routes, *, delay: str | None = None, abort: int | None = None, percent: float = 100.0,
              subset: str | None = None) -> Routes:
    out = routes.copy()
    rule = _rule_for(out, subset)
    fault = rule.setdefault("fault", {})
    if delay is not None:
        fault["delay"] = {"fixedDelay": delay, "percentage": {"value": float(percent)}}
    if abort is not None:
        fault["abort"] = {"httpStatus": int(abort), "percentage": {"value": float(percent)}}
    if delay is None and abort is None:
        raise RouteError("give --delay DURATION or --abort HTTP_STATUS")
    return out


def clear_fault(routes: Routes, subset: str | None = None) -> Routes:
    out = routes.copy()
    _rule_for(out, subset).pop("fault", None)
    return out


def set_mirror(routes: Routes, subset: str, percent: float) -> Routes:
    out = routes.copy()
    rule = out.weighted_rule()
    rule["mirror"] = {"host": out.host, "subset": subset}
    rule["mirrorPercentage"] = {"value": float(percent)}
    return out


def clear_mirror(routes: Routes) -> Routes:
    out = routes.copy()
    rule = out.weighted_rule()
    for key in ("mirror", "mirrorPercentage", "mirrorPercent", "mirrors"):
        rule.pop(key, None)
    return out


def set_timeout(routes: Routes, timeout: str | None, retries: int | None = None, per_try: str | None = None,
                retry_on: str | None = None) -> Routes:
    out = routes.copy()
    rule = out.weighted_rule()
    if timeout:
        rule["timeout"] = timeout
    elif timeout == "":
        rule.pop("timeout", None)
    if retries is not None:
        spec: dict[str, Any] = {"attempts": int(retries)}
        if per_try:
            spec["perTryTimeout"] = per_try
        spec["retryOn"] = retry_on or "5xx,connect-failure,refused-stream"
        rule["retries"] = spec
    return out


def set_breaker(routes: Routes, *, max_connections: int = 1, max_pending: int = 1, max_requests_per_connection: int = 1,
                consecutive_errors: int = 1, interval: str = "1s", ejection_time: str = "30s",
                max_ejection_percent: int = 100) -> Routes:
    """Circuit breaking on the DestinationRule: connection-pool limits plus outlier ejection."""
    out = routes.copy()
    if out.dr is None:
        raise RouteError(f"{out.host} has no DestinationRule (one is created with its subsets first)")
    policy = out.dr.setdefault("trafficPolicy", {})
    policy["connectionPool"] = {"tcp": {"maxConnections": max_connections},
                                "http": {"http1MaxPendingRequests": max_pending,
                                         "maxRequestsPerConnection": max_requests_per_connection}}
    policy["outlierDetection"] = {"consecutive5xxErrors": consecutive_errors, "interval": interval,
                                  "baseEjectionTime": ejection_time, "maxEjectionPercent": max_ejection_percent}
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


# -- validation ----------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    message: str
    code: str = ""


def validate(routes: Routes) -> list[Finding]:
    """Problems Istio (or istioctl analyze) would report for these specs."""
    findings: list[Finding] = []
    defined = set(routes.subsets)
    for i, rule in enumerate((routes.vs or {}).get("http") or []):
        where = f"http[{i}]" + (f" ({rule['name']})" if rule.get("name") else "")
        destinations = rule.get("route") or []
        weights = []
        for route in destinations:
            dest = route.get("destination") or {}
            subset = dest.get("subset")
            weight = route.get("weight")
            if weight is not None:
                if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
                    findings.append(Finding("error", f"{where}: weight {weight!r} must be a non-negative integer"))
                else:
                    weights.append(weight)
            if subset and same_host(dest.get("host", ""), routes.host, routes.namespace) and subset not in defined:
                findings.append(Finding("error", f"{where}: referenced host+subset in destinationrule not found: "
                                        f"{routes.host}+{subset}", "IST0101"))
        if len(destinations) > 1 and len(weights) == len(destinations) and sum(weights) != 100:
            findings.append(Finding("error", f"{where}: weights sum to {sum(weights)}, not 100 "
                                    "(relative weights work on Istio >= 1.15; 100 keeps every version happy)"))
        fault = rule.get("fault") or {}
        for kind in ("delay", "abort"):
            value = ((fault.get(kind) or {}).get("percentage") or {}).get("value")
            if value is not None and not 0 <= float(value) <= 100:
                findings.append(Finding("error", f"{where}: fault {kind} percentage {value} must be within 0-100"))
        delay = (fault.get("delay") or {}).get("fixedDelay")
        if delay is not None and not _DURATION.match(str(delay)):
            findings.append(Finding("error", f"{where}: fault delay {delay!r} is not a duration like 2s"))
        status = (fault.get("abort") or {}).get("httpStatus")
        if status is not None and not (isinstance(status, int) and 200 <= status <= 599):
            findings.append(Finding("error", f"{where}: abort status {status!r} must be an HTTP status 200-599"))
        mirror_pct = (rule.get("mirrorPercentage") or {}).get("value")
        if mirror_pct is not None and not 0 <= float(mirror_pct) <= 100:
            findings.append(Finding("error", f"{where}: mirror percentage {mirror_pct} must be within 0-100"))
        mirror = rule.get("mirror") or {}
        if mirror.get("subset") and same_host(mirror.get("host", ""), routes.host, routes.namespace) \
                and mirror["subset"] not in defined:
            findings.append(Finding("error", f"{where}: mirror subset {mirror['subset']!r} is not defined", "IST0101"))
        if rule.get("timeout") is not None and not _DURATION.match(str(rule["timeout"])):
            findings.append(Finding("error", f"{where}: timeout {rule['timeout']!r} is not a duration like 2s"))
        if fault and (rule.get("timeout") or rule.get("retries")):
            findings.append(Finding("warning", f"{where}: Istio ignores timeout and retries on a rule with a fault"))
    return findings


# -- presentation --------------------------------------------------------------------
def as_yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False) if obj is not None else ""


def diff(before: Routes, after: Routes) -> str:
    """A unified diff of exactly what changes, VirtualService then DestinationRule."""
    chunks = []
    for label, old, new in (("VirtualService", before.vs, after.vs), ("DestinationRule", before.dr, after.dr)):
        if old == new:
            continue
        lines = list(difflib.unified_diff(as_yaml(old).splitlines(), as_yaml(new).splitlines(),
                                          f"{label} {before.namespace}/{before.host} (now)",
                                          f"{label} {before.namespace}/{before.host} (after)", lineterm="", n=2))
        chunks.append("\n".join(lines) if old is not None else f"+ new {label}\n" + as_yaml(new))
    return "\n".join(chunks)


def describe_rule(rule: dict) -> str:
    """One line per rule: match -> destinations (weights), plus fault/mirror/timeout."""
    matches = []
    for m in rule.get("match") or []:
        for name, cond in (m.get("headers") or {}).items():
            matches.append(f"{name}={next(iter(cond.values()), '*') if cond else '*'}")
        if m.get("uri"):
            matches.append(f"uri {next(iter(m['uri'].items()))[0]} {next(iter(m['uri'].values()))}")
    parts = [f"when {' or '.join(matches)}" if matches else "otherwise"]
    dests = [f"{(r.get('destination') or {}).get('subset') or '(any)'} {r.get('weight', 100)}%"
             for r in rule.get("route") or []]
    parts.append("-> " + ", ".join(dests))
    fault = rule.get("fault") or {}
    if fault.get("delay"):
        parts.append(f"delay {fault['delay'].get('fixedDelay')} @{(fault['delay'].get('percentage') or {}).get('value', 100)}%")
    if fault.get("abort"):
        parts.append(f"abort {fault['abort'].get('httpStatus')} @{(fault['abort'].get('percentage') or {}).get('value', 100)}%")
    if rule.get("mirror"):
        parts.append(f"mirror {rule['mirror'].get('subset')} @{(rule.get('mirrorPercentage') or {}).get('value', 100)}%")
    if rule.get("timeout"):
        parts.append(f"timeout {rule['timeout']}")
    if rule.get("retries"):
        parts.append(f"retries {rule['retries'].get('attempts')}")
    return "  ".join(parts)
