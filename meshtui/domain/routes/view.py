"""The typed picture of one host's routes that the Traffic panel and `routes show` render.

Built once from the specs (`view(routes)`), so no front end re-parses display text or
re-derives a weight: conditions, destinations with their effective weights and shares
(the one rule in `model.destination_weights`), faults, mirror, timeout, retries, the
circuit breaker, and the names of fields meshtui shows but does not edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshtui.domain.routes.model import Routes, destination_shares, destination_weights, same_host, subset_of

EDITED = {"name", "match", "route", "fault", "mirror", "mirrorPercentage", "mirrorPercent", "timeout", "retries"}


@dataclass(frozen=True)
class DestinationView:
    subset: str
    """'' when the destination names no subset (any pod of the host)."""
    host: str
    weight: int
    share: float | None
    """Percent of the rule's traffic; None when the rule's weights sum to 0 (Istio rejects that)."""
    external: bool = False
    """The destination is another host: this share of the traffic leaves the host."""

    @property
    def key(self) -> str:
        """How shares are keyed: the subset ('' for any pod), or `→ host` for another host."""
        return f"→ {self.host}" if self.external else self.subset


@dataclass(frozen=True)
class FaultView:
    kind: str  # delay | abort
    value: str
    percent: float


@dataclass(frozen=True)
class RuleView:
    index: int
    name: str
    conditions: tuple[str, ...]
    """One text per match entry (entries are ORed, the parts of one entry ANDed); empty: catch-all."""
    destinations: tuple[DestinationView, ...]
    faults: tuple[FaultView, ...] = ()
    mirror: str | None = None
    mirror_percent: float | None = None
    timeout: str | None = None
    retries: int | None = None
    per_try: str | None = None
    retry_on: str | None = None
    other: tuple[str, ...] = ()
    """Fields of the rule meshtui keeps but does not edit (rewrite, corsPolicy, headers, ...)."""

    @property
    def catch_all(self) -> bool:
        return not self.conditions


@dataclass(frozen=True)
class BreakerView:
    max_connections: int | None = None
    max_pending: int | None = None
    max_requests_per_connection: int | None = None
    consecutive_errors: int | None = None
    interval: str | None = None
    ejection_time: str | None = None
    max_ejection_percent: int | None = None


@dataclass(frozen=True)
class RoutesView:
    host: str
    namespace: str
    has_virtual_service: bool
    has_destination_rule: bool
    subsets: tuple[str, ...]
    versions: tuple[str, ...]
    rules: tuple[RuleView, ...]
    breaker: BreakerView | None
    policy_fields: tuple[str, ...]

    @property
    def weighted(self) -> RuleView | None:
        """The catch-all rule (the last without match)."""
        return next((r for r in reversed(self.rules) if r.catch_all), None)

    def shares(self) -> dict[str, float | None]:
        """Destination key (`DestinationView.key`) -> share of the catch-all rule."""
        rule = self.weighted
        out: dict[str, float | None] = {}
        for d in rule.destinations if rule else ():
            previous = out.get(d.key)
            out[d.key] = d.share if previous is None else (previous + (d.share or 0))
        return out


def _string_match(name: str, rule: object) -> str:
    if not isinstance(rule, dict) or not rule:
        return f"{name} present"
    kind, value = next(iter(rule.items()))
    return f"{name}={value}" if kind == "exact" else f"{name} {kind} {value}"


def _conditions(rule: dict) -> tuple[str, ...]:
    out = []
    for entry in rule.get("match") or []:
        if not isinstance(entry, dict):
            continue
        parts = [_string_match(str(k), v) for k, v in (entry.get("headers") or {}).items()]
        parts += [_string_match(key, entry[key]) for key in ("uri", "method", "authority", "scheme") if entry.get(key)]
        parts += [f"without {_string_match(str(k), v)}" for k, v in (entry.get("withoutHeaders") or {}).items()]
        parts += [f"{key} {entry[key]}" for key in ("port", "sourceLabels", "sourceNamespace", "gateways")
                  if entry.get(key)]
        out.append(" and ".join(parts) or "any request")
    return tuple(out)


def _faults(rule: dict) -> tuple[FaultView, ...]:
    fault = rule.get("fault") if isinstance(rule.get("fault"), dict) else {}
    out = []
    for kind, key in (("delay", "fixedDelay"), ("abort", "httpStatus")):
        spec = fault.get(kind) if isinstance(fault, dict) else None
        if isinstance(spec, dict):
            percentage = spec.get("percentage")
            share = percentage.get("value", 100) if isinstance(percentage, dict) else spec.get("percent", 100)
            value = spec.get(key, spec.get("grpcStatus", spec.get("exponentialDelay", "?")))
            out.append(FaultView(kind, str(value), float(share) if isinstance(share, (int, float)) else 100.0))
    return tuple(out)


def rule_view(index: int, rule: dict, host: str | None = None, namespace: str = "") -> RuleView:
    """One rule; with `host`, destinations of other hosts are marked `external`."""
    destinations = [d for d in rule.get("route") or [] if isinstance(d, dict)]
    weights, shares = destination_weights(destinations), destination_shares(destinations)
    hosts = [str((d.get("destination") or {}).get("host", "")) for d in destinations]
    dests = tuple(DestinationView(subset_of(d), h, w, s, host is not None and not same_host(h, host, namespace))
                  for d, h, w, s in zip(destinations, hosts, weights, shares, strict=True))
    mirror = rule.get("mirror") if isinstance(rule.get("mirror"), dict) else None
    mirror_pct = rule.get("mirrorPercentage")
    retries = rule.get("retries") if isinstance(rule.get("retries"), dict) else None
    mirror_percent = None
    if mirror is not None:
        value = mirror_pct.get("value") if isinstance(mirror_pct, dict) else None
        mirror_percent = float(value) if isinstance(value, (int, float)) else 100.0
    return RuleView(
        index, str(rule.get("name") or ""), _conditions(rule), dests, _faults(rule),
        None if mirror is None else str(mirror.get("subset") or mirror.get("host") or ""), mirror_percent,
        str(rule["timeout"]) if rule.get("timeout") else None,
        retries.get("attempts") if retries is not None else None,
        str(retries["perTryTimeout"]) if retries and retries.get("perTryTimeout") else None,
        str(retries["retryOn"]) if retries and retries.get("retryOn") else None,
        tuple(sorted(k for k in rule if k not in EDITED)))


def breaker_view(routes: Routes) -> BreakerView | None:
    policy = (routes.dr or {}).get("trafficPolicy") or {}
    pool, outlier = policy.get("connectionPool") or {}, policy.get("outlierDetection") or {}
    if not pool and not outlier:
        return None
    tcp, http = pool.get("tcp") or {}, pool.get("http") or {}
    return BreakerView(tcp.get("maxConnections"), http.get("http1MaxPendingRequests"),
                       http.get("maxRequestsPerConnection"), outlier.get("consecutive5xxErrors"),
                       outlier.get("interval"), outlier.get("baseEjectionTime"), outlier.get("maxEjectionPercent"))


def view(routes: Routes) -> RoutesView:
    rules = [r for r in (routes.vs or {}).get("http") or [] if isinstance(r, dict)]
    policy = (routes.dr or {}).get("trafficPolicy") or {}
    return RoutesView(routes.host, routes.namespace, routes.vs is not None, routes.dr is not None,
                      tuple(s for s in routes.subsets if s), tuple(routes.versions),
                      tuple(rule_view(i, r, routes.host, routes.namespace) for i, r in enumerate(rules)),
                      breaker_view(routes),
                      tuple(sorted(policy)) if isinstance(policy, dict) else ())
