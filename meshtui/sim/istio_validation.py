"""What the simulated server rejects with 422 for Istio objects, as a real cluster would.

A real cluster rejects bad Istio objects twice: the CRD's structural schema (unknown
fields, wrong types, the `duration(self) >= duration('1ms')` CEL rules) and istiod's
validating webhook (istio/istio `pkg/config/validation`). The sim checks the fields a
route editor touches with the webhook's rules, so it stays the oracle for "would Istio
take this": durations in Go syntax of at least 1ms in whole milliseconds, weights >= 0
with a non-zero total among several destinations, percentages 0 or 0.0001-100, abort
status 200-600 (istiod's own bound), retries (attempts >= 0; none of perTryTimeout or
retryOn with 0 attempts; known retryOn policies), one of route/redirect/directResponse,
not both mirror and mirrors, DNS-1123 subset names without duplicates, connection-pool
counts >= 0 and a pool with tcp or http, outlier percents 0-100, non-empty policies,
hosts that are (wildcard) domain names and subset labels that are Kubernetes labels
(`istio_names`).
"""

from __future__ import annotations

import re
from typing import Any

from meshtui.sim.istio_names import is_ip, label_problems, wildcard_domain_problem
from meshtui.sim.routing import go_duration_ns

VS_SPEC = {"hosts", "gateways", "http", "tls", "tcp", "exportTo"}
HTTP_ROUTE = {"name", "match", "route", "redirect", "directResponse", "delegate", "rewrite", "timeout", "retries",
              "fault", "mirror", "mirrors", "mirrorPercentage", "mirrorPercent", "mirror_percent", "corsPolicy",
              "headers"}
DESTINATION_WEIGHT = {"destination", "weight", "headers"}
DESTINATION = {"host", "subset", "port"}
DR_SPEC = {"host", "trafficPolicy", "subsets", "exportTo", "workloadSelector"}
SUBSET = {"name", "labels", "trafficPolicy"}
GW_SPEC = {"selector", "servers"}
POLICY = {"loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings", "tunnel", "proxyProtocol",
          "retryBudget"}
RETRY_ON = {"5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
            "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
            "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
            "unavailable"}
_DNS_LABEL = re.compile(r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~A-Za-z0-9]+")
_PSEUDO = {":method", ":scheme", ":authority", ":path", ":status"}


class Invalid:
    """Collects field errors in the API server's `causes` shape."""

    def __init__(self) -> None:
        self.causes: list[dict[str, str]] = []

    def add(self, field: str, value: Any, message: str) -> None:
        self.causes.append({"reason": "FieldValueInvalid", "field": field,
                            "message": f"Invalid value: {value!r}: {message}"})

    def unknown(self, field: str, key: str) -> None:
        self.causes.append({"reason": "FieldValueInvalid", "field": f"{field}.{key}",
                            "message": f'unknown field "{field}.{key}"'})


def _keys(inv: Invalid, obj: Any, allowed: set[str], where: str) -> bool:
    if not isinstance(obj, dict):
        inv.add(where, obj, "must be an object")
        return False
    for key in obj:
        if key not in allowed:
            inv.unknown(where, key)
    return True


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(inv: Invalid, value: Any, where: str, maximum: int = 2**31 - 1) -> None:
    if value is not None and (not _int(value) or not 0 <= value <= maximum):
        inv.add(where, value, "must be a non-negative integer")


def _percentage(inv: Invalid, value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not isinstance(value.get("value"), (int, float)) \
            or isinstance(value.get("value"), bool):
        inv.add(where, value, "must be {value: number}")
        return
    number = value["value"]
    if number < 0 or number > 100 or 0 < number < 0.0001:
        inv.add(f"{where}.value", number, "percentage is neither 0.0, nor in range [0.0001, 100.0]")


def _duration(inv: Invalid, value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        inv.add(where, value, "must be a duration string such as 2s")
        return
    try:
        nanoseconds = go_duration_ns(value)
    except ValueError as exc:
        inv.add(where, value, f"time: {exc}")
        return
    if nanoseconds < 1_000_000:
        inv.add(where, value, "duration must be greater than 1ms")
    elif nanoseconds % 1_000_000:
        inv.add(where, value, "only durations to ms precision are supported")


def _destination(inv: Invalid, dest: Any, where: str) -> None:
    if not _keys(inv, dest, DESTINATION, where):
        return
    host = dest.get("host")
    if not isinstance(host, str) or not host or host == "*":
        inv.add(f"{where}.host", host, "a destination host (not *) is required")
    elif (problem := wildcard_domain_problem(host)) is not None:
        inv.add(f"{where}.host", host, problem)
    subset = dest.get("subset")
    if subset is not None and (not isinstance(subset, str) or len(subset) > 63 or not _DNS_LABEL.fullmatch(subset)):
        inv.add(f"{where}.subset", subset, "subset name is invalid")


def _fault(inv: Invalid, fault: Any, where: str) -> None:
    if not _keys(inv, fault, {"delay", "abort"}, where):
        return
    delay, abort = fault.get("delay"), fault.get("abort")
    if delay is None and abort is None:
        inv.add(where, fault, "HTTP fault injection must have an abort and/or a delay")
    if delay is not None and _keys(inv, delay, {"fixedDelay", "exponentialDelay", "percentage", "percent"},
                                   f"{where}.delay"):
        _duration(inv, delay.get("fixedDelay"), f"{where}.delay.fixedDelay")
        _percentage(inv, delay.get("percentage"), f"{where}.delay.percentage")
    if abort is not None and _keys(inv, abort, {"httpStatus", "grpcStatus", "http2Error", "percentage"},
                                   f"{where}.abort"):
        status = abort.get("httpStatus")
        if status is not None and (not _int(status) or not 200 <= status <= 600):
            inv.add(f"{where}.abort.httpStatus", status, "HTTP status is not in range 200-599")
        _percentage(inv, abort.get("percentage"), f"{where}.abort.percentage")


def _retries(inv: Invalid, retries: Any, where: str) -> None:
    if not _keys(inv, retries, {"attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities",
                                "retryIgnorePreviousHosts", "backoff"}, where):
        return
    attempts = retries.get("attempts", 0)
    if not _int(attempts) or attempts < 0:
        inv.add(f"{where}.attempts", attempts, "attempts cannot be negative")
    elif attempts == 0 and (retries.get("perTryTimeout") is not None or retries.get("retryOn")
                            or retries.get("retryRemoteLocalities") is not None):
        inv.add(where, retries, "http retry policy configured when attempts are set to 0 (disabled)")
    _duration(inv, retries.get("perTryTimeout"), f"{where}.perTryTimeout")
    _duration(inv, retries.get("backoff"), f"{where}.backoff")
    retry_on = retries.get("retryOn")
    if retry_on:
        for policy in str(retry_on).split(","):
            if policy not in RETRY_ON and not (policy.isdigit() and 100 <= int(policy) <= 599):
                inv.add(f"{where}.retryOn", policy, "is not a valid retryOn policy")


def _matches(inv: Invalid, matches: Any, where: str) -> None:
    for i, entry in enumerate(matches if isinstance(matches, list) else []):
        for kind in ("headers", "withoutHeaders"):
            for name in (entry.get(kind) or {}) if isinstance(entry, dict) else {}:
                if name not in _PSEUDO and not name.startswith("@request.auth.claims") \
                        and not _HEADER_NAME.fullmatch(str(name)):
                    inv.add(f"{where}[{i}].{kind}", name, "header name is not a valid header name")


def _http_route(inv: Invalid, rule: Any, where: str) -> None:
    if not _keys(inv, rule, HTTP_ROUTE, where):
        return
    routes = rule.get("route") or []
    if not isinstance(routes, list):
        inv.add(f"{where}.route", routes, "must be a list")
        routes = []
    if not routes and rule.get("redirect") is None and rule.get("directResponse") is None \
            and rule.get("delegate") is None:
        inv.add(where, rule.get("name", ""), "HTTP route, redirect or direct_response is required")
    total = 0
    for j, dest in enumerate(routes):
        at = f"{where}.route[{j}]"
        if not _keys(inv, dest, DESTINATION_WEIGHT, at):
            continue
        if dest.get("destination") is None:
            inv.add(f"{at}.destination", None, "destination is required")
        else:
            _destination(inv, dest.get("destination"), f"{at}.destination")
        weight = dest.get("weight")
        if weight is not None and (not _int(weight) or weight < 0):
            inv.add(f"{at}.weight", weight, "weight must be a non-negative integer")
        elif _int(weight):
            total += weight
    if len(routes) > 1 and total == 0:
        inv.add(f"{where}.route", "weights", "total destination weight = 0")
    _matches(inv, rule.get("match"), f"{where}.match")
    if rule.get("fault") is not None:
        _fault(inv, rule["fault"], f"{where}.fault")
    if rule.get("mirror") is not None:
        _destination(inv, rule["mirror"], f"{where}.mirror")
        if rule.get("mirrors"):
            inv.add(where, "mirror", "HTTP route cannot contain both mirror and mirrors")
    _percentage(inv, rule.get("mirrorPercentage"), f"{where}.mirrorPercentage")
    _duration(inv, rule.get("timeout"), f"{where}.timeout")
    if rule.get("retries") is not None:
        _retries(inv, rule["retries"], f"{where}.retries")


def _traffic_policy(inv: Invalid, policy: Any, where: str) -> None:
    if policy is None or not _keys(inv, policy, POLICY, where):
        return
    if not policy:
        inv.add(where, policy, "traffic policy must have at least one field")
    pool = policy.get("connectionPool")
    if pool is not None and _keys(inv, pool, {"tcp", "http"}, f"{where}.connectionPool"):
        tcp, http = pool.get("tcp"), pool.get("http")
        if tcp is None and http is None:
            inv.add(f"{where}.connectionPool", pool, "connection pool must have at least one field")
        for key, value in (tcp or {}).items():
            if key == "maxConnections":
                _count(inv, value, f"{where}.connectionPool.tcp.{key}")
            elif key in ("connectTimeout", "maxConnectionDuration"):
                _duration(inv, value, f"{where}.connectionPool.tcp.{key}")
        for key, value in (http or {}).items():
            if key in ("http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries",
                       "maxConcurrentStreams"):
                _count(inv, value, f"{where}.connectionPool.http.{key}")
            elif key == "idleTimeout":
                _duration(inv, value, f"{where}.connectionPool.http.{key}")
    outlier = policy.get("outlierDetection")
    if isinstance(outlier, dict):
        for key in ("consecutive5xxErrors", "consecutiveGatewayErrors", "consecutiveLocalOriginFailures"):
            _count(inv, outlier.get(key), f"{where}.outlierDetection.{key}", 2**32 - 1)
        for key in ("interval", "baseEjectionTime"):
            _duration(inv, outlier.get(key), f"{where}.outlierDetection.{key}")
        for key in ("maxEjectionPercent", "minHealthPercent"):
            value = outlier.get(key)
            if value is not None and (not _int(value) or not 0 <= value <= 100):
                inv.add(f"{where}.outlierDetection.{key}", value, "percentage is not in range 0..100")


def _virtual_service(inv: Invalid, spec: dict) -> None:
    hosts = spec.get("hosts")
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h for h in hosts):
        inv.add("spec.hosts", hosts, "at least one host is required")
    elif "*" in hosts and "mesh" in (spec.get("gateways") or ["mesh"]):
        inv.add("spec.hosts", "*", "wildcard host * is not allowed for virtual services bound to the mesh gateway")
    else:
        for i, host in enumerate(hosts):
            if (problem := wildcard_domain_problem(host)) is not None and not is_ip(host):
                inv.add(f"spec.hosts[{i}]", host, problem)
    if not (spec.get("http") or spec.get("tcp") or spec.get("tls")):
        inv.add("spec", "http", "http, tcp or tls must be provided in virtual service")
    for i, rule in enumerate(spec.get("http") or []):
        _http_route(inv, rule, f"spec.http[{i}]")


def _destination_rule(inv: Invalid, spec: dict) -> None:
    if not isinstance(spec.get("host"), str) or not spec.get("host"):
        inv.add("spec.host", spec.get("host"), "host is required")
    elif (problem := wildcard_domain_problem(spec["host"])) is not None:
        inv.add("spec.host", spec["host"], problem)
    _traffic_policy(inv, spec.get("trafficPolicy"), "spec.trafficPolicy")
    names = set()
    for i, subset in enumerate(spec.get("subsets") or []):
        if not _keys(inv, subset, SUBSET, f"spec.subsets[{i}]"):
            continue
        name = subset.get("name")
        if not isinstance(name, str) or not name:
            inv.add(f"spec.subsets[{i}].name", name, "subset name cannot be empty")
        elif len(name) > 63 or not _DNS_LABEL.fullmatch(name):
            inv.add(f"spec.subsets[{i}].name", name, "subset name is invalid")
        elif name in names:
            inv.add(f"spec.subsets[{i}].name", name, "duplicate subset names")
        names.add(name)
        labels = subset.get("labels") or {}
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            inv.add(f"spec.subsets[{i}].labels", labels, "labels must be strings")
        else:
            for problem in label_problems(labels):
                inv.add(f"spec.subsets[{i}].labels", labels, problem)
        _traffic_policy(inv, subset.get("trafficPolicy"), f"spec.subsets[{i}].trafficPolicy")


def validate(kind: str, obj: dict) -> list[dict[str, str]]:
    """Causes for an invalid Istio object (empty when valid)."""
    inv = Invalid()
    spec = obj.get("spec")
    if spec is None:
        return []
    if kind == "VirtualService":
        if _keys(inv, spec, VS_SPEC, "spec"):
            _virtual_service(inv, spec)
    elif kind == "DestinationRule":
        if _keys(inv, spec, DR_SPEC, "spec"):
            _destination_rule(inv, spec)
    elif kind == "Gateway":
        _keys(inv, spec, GW_SPEC, "spec")
    return inv.causes
