"""What Istio would say about these specs, checked before anything is sent.

The errors are the rules istiod's validating webhook applies to the fields a route editor
touches (istio/istio `pkg/config/validation`: destinations, weights, faults, mirrors,
retries, timeouts, connection pool, outlier detection, subsets), plus `istioctl analyze`'s
IST0101 (a subset no DestinationRule defines). Each finding names the field path, the
value and the fix. Warnings are things Istio accepts but that surprise people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from meshtui.domain.routes import durations
from meshtui.domain.routes.inputs import RETRY_ON
from meshtui.domain.routes.model import Routes, same_host

_SUBSET = re.compile(r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    message: str
    code: str = ""
    field: str = ""


class _Checks:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def error(self, where: str, message: str, code: str = "") -> None:
        self.findings.append(Finding("error", f"{where}: {message}", code, where))

    def warning(self, where: str, message: str) -> None:
        self.findings.append(Finding("warning", f"{where}: {message}", "", where))

    def duration(self, where: str, value: object) -> None:
        if value is not None and (problem := durations.istio_problem(value)) is not None:
            self.error(where, f"{value!r} {problem} (e.g. 2s, 500ms)")

    def percentage(self, where: str, value: object) -> None:
        if value is None:
            return
        number = value.get("value") if isinstance(value, dict) else None
        if not isinstance(number, (int, float)) or isinstance(number, bool):
            self.error(where, f"{value!r} must be {{value: NUMBER}}")
        elif not 0 <= number <= 100 or 0 < number < 0.0001:
            self.error(where, f"{number} must be 0 or within 0.0001-100")

    def count(self, where: str, value: object, minimum: int = 0, maximum: int = 2**31 - 1) -> None:
        if value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
            self.error(where, f"{value!r} must be a whole number from {minimum} to {maximum}")


def _http_rule(c: _Checks, routes: Routes, rule: dict, where: str, defined: set[str]) -> None:
    destinations = rule.get("route") or []
    if not destinations and not rule.get("redirect") and not rule.get("directResponse") and not rule.get("delegate"):
        c.error(where, "a rule needs a route, redirect or directResponse")
    weights = []
    for j, route in enumerate(destinations):
        dest = route.get("destination") or {}
        at = f"{where}.route[{j}]"
        if not dest.get("host"):
            c.error(f"{at}.destination.host", "a destination host is required")
        subset = dest.get("subset")
        if subset is not None and (not isinstance(subset, str) or not _SUBSET.fullmatch(subset) or len(subset) > 63):
            c.error(f"{at}.destination.subset", f"{subset!r} is not a valid subset name")
        elif subset and same_host(str(dest.get("host", "")), routes.host, routes.namespace) and subset not in defined:
            c.error(f"{at}.destination.subset", f"no subset {subset} in the DestinationRule of {routes.host} "
                    f"(referenced host+subset not found; subsets: {', '.join(sorted(defined)) or 'none'})", "IST0101")
        weight = route.get("weight")
        c.count(f"{at}.weight", weight)
        weights.append(weight if isinstance(weight, int) and not isinstance(weight, bool) else 0)
    if len(destinations) > 1 and sum(weights) == 0:
        c.error(f"{where}.route", "total destination weight = 0 (give at least one destination a weight)")
    elif len(destinations) > 1 and sum(weights) != 100:
        c.warning(f"{where}.route", f"weights sum to {sum(weights)}, not 100 (relative weights need Istio >= 1.15)")
    fault = rule.get("fault")
    if fault is not None:
        if not isinstance(fault, dict) or not (fault.get("delay") or fault.get("abort")):
            c.error(f"{where}.fault", "a fault needs a delay and/or an abort")
        else:
            delay, abort = fault.get("delay") or {}, fault.get("abort") or {}
            c.duration(f"{where}.fault.delay.fixedDelay", delay.get("fixedDelay"))
            c.percentage(f"{where}.fault.delay.percentage", delay.get("percentage"))
            c.percentage(f"{where}.fault.abort.percentage", abort.get("percentage"))
            status = abort.get("httpStatus")
            if status is not None and (not isinstance(status, int) or isinstance(status, bool)
                                       or not 200 <= status <= 599):
                c.error(f"{where}.fault.abort.httpStatus", f"{status!r} must be an HTTP status within 200-599")
    if rule.get("mirror") and rule.get("mirrors"):
        c.error(where, "a rule cannot have both mirror and mirrors")
    mirror = rule.get("mirror") or {}
    if mirror.get("subset") and same_host(str(mirror.get("host", "")), routes.host, routes.namespace) \
            and mirror["subset"] not in defined:
        c.error(f"{where}.mirror.subset", f"no subset {mirror['subset']} in the DestinationRule", "IST0101")
    c.percentage(f"{where}.mirrorPercentage", rule.get("mirrorPercentage"))
    c.duration(f"{where}.timeout", rule.get("timeout"))
    retries = rule.get("retries")
    if isinstance(retries, dict):
        attempts = retries.get("attempts", 0)
        c.count(f"{where}.retries.attempts", attempts)
        c.duration(f"{where}.retries.perTryTimeout", retries.get("perTryTimeout"))
        if attempts == 0 and (retries.get("perTryTimeout") or retries.get("retryOn")):
            c.error(f"{where}.retries", "a retry policy with attempts 0 (retries disabled) cannot set perTryTimeout "
                    "or retryOn")
        for policy in str(retries.get("retryOn") or "").split(",") if retries.get("retryOn") else []:
            if policy not in RETRY_ON and not (policy.isdigit() and 100 <= int(policy) <= 599):
                c.error(f"{where}.retries.retryOn", f"{policy!r} is not a retryOn policy")
    if fault and (rule.get("timeout") or rule.get("retries")):
        c.warning(where, "Istio ignores timeout and retries on a rule with a fault")


def _traffic_policy(c: _Checks, policy: object, where: str) -> None:
    if policy is None:
        return
    if not isinstance(policy, dict) or not policy:
        c.error(where, "a traffic policy must have at least one field")
        return
    pool = policy.get("connectionPool")
    if pool is not None:
        if not (pool.get("tcp") or pool.get("http")):
            c.error(f"{where}.connectionPool", "a connection pool needs tcp or http settings")
        tcp, http = pool.get("tcp") or {}, pool.get("http") or {}
        c.count(f"{where}.connectionPool.tcp.maxConnections", tcp.get("maxConnections"))
        c.duration(f"{where}.connectionPool.tcp.connectTimeout", tcp.get("connectTimeout"))
        for key in ("http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries"):
            c.count(f"{where}.connectionPool.http.{key}", http.get(key))
        c.duration(f"{where}.connectionPool.http.idleTimeout", http.get("idleTimeout"))
    outlier = policy.get("outlierDetection")
    if outlier is not None:
        c.count(f"{where}.outlierDetection.consecutive5xxErrors", outlier.get("consecutive5xxErrors"),
                maximum=2**32 - 1)
        c.duration(f"{where}.outlierDetection.interval", outlier.get("interval"))
        c.duration(f"{where}.outlierDetection.baseEjectionTime", outlier.get("baseEjectionTime"))
        c.count(f"{where}.outlierDetection.maxEjectionPercent", outlier.get("maxEjectionPercent"), maximum=100)
        c.count(f"{where}.outlierDetection.minHealthPercent", outlier.get("minHealthPercent"), maximum=100)


def validate(routes: Routes) -> list[Finding]:
    """Problems Istio (or istioctl analyze) would report for these specs."""
    c = _Checks()
    defined = {s for s in routes.subsets if s}
    for i, rule in enumerate((routes.vs or {}).get("http") or []):
        where = f"http[{i}]" + (f" ({rule['name']})" if isinstance(rule, dict) and rule.get("name") else "")
        if isinstance(rule, dict):
            _http_rule(c, routes, rule, where, defined)
    dr = routes.dr or {}
    _traffic_policy(c, dr.get("trafficPolicy"), "trafficPolicy")
    seen: set[str] = set()
    for i, subset in enumerate(dr.get("subsets") or []):
        name = subset.get("name") if isinstance(subset, dict) else None
        if not isinstance(name, str) or not _SUBSET.fullmatch(name) or len(name) > 63:
            c.error(f"subsets[{i}].name", f"{name!r} is not a valid subset name")
        elif name in seen:
            c.error(f"subsets[{i}].name", f"duplicate subset name {name}")
        seen.add(str(name))
        if isinstance(subset, dict):
            _traffic_policy(c, subset.get("trafficPolicy"), f"subsets[{i}].trafficPolicy")
    return c.findings
