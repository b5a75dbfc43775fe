"""What the simulated server rejects with 422 for Istio objects.

A real cluster rejects bad Istio objects twice: the CRD's structural schema (unknown
fields, wrong types) and istiod's validating webhook (semantic rules). The sim checks
the rules a route editor can get wrong: unknown spec fields at the levels meshtui
edits, weights that are not non-negative integers, subsets that are not strings,
percentages outside 0-100, malformed durations, subsets without names.
"""

from __future__ import annotations

import re
from typing import Any

VS_SPEC = {"hosts", "gateways", "http", "tls", "tcp", "exportTo"}
HTTP_ROUTE = {"name", "match", "route", "redirect", "directResponse", "delegate", "rewrite", "timeout", "retries",
              "fault", "mirror", "mirrors", "mirrorPercentage", "mirrorPercent", "mirror_percent", "corsPolicy",
              "headers"}
DESTINATION_WEIGHT = {"destination", "weight", "headers"}
DESTINATION = {"host", "subset", "port"}
DR_SPEC = {"host", "trafficPolicy", "subsets", "exportTo", "workloadSelector"}
SUBSET = {"name", "labels", "trafficPolicy"}
GW_SPEC = {"selector", "servers"}
_DURATION = re.compile(r"^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$")


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


def _percentage(inv: Invalid, value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not isinstance(value.get("value"), (int, float)) \
            or isinstance(value.get("value"), bool):
        inv.add(where, value, "must be {value: number}")
        return
    if not 0 <= value["value"] <= 100:
        inv.add(f"{where}.value", value["value"], "percentage must be in range 0..100")


def _duration(inv: Invalid, value: Any, where: str) -> None:
    if value is not None and (not isinstance(value, str) or not _DURATION.match(value)):
        inv.add(where, value, "must be a duration such as 2s or 500ms")


def _destination(inv: Invalid, dest: Any, where: str) -> None:
    if not _keys(inv, dest, DESTINATION, where):
        return
    if not isinstance(dest.get("host"), str) or not dest.get("host"):
        inv.add(f"{where}.host", dest.get("host"), "host is required")
    if "subset" in dest and not isinstance(dest["subset"], str):
        inv.add(f"{where}.subset", dest["subset"], "subset must be a string")


def _http_route(inv: Invalid, rule: Any, where: str) -> None:
    if not _keys(inv, rule, HTTP_ROUTE, where):
        return
    routes = rule.get("route") or []
    if not isinstance(routes, list):
        inv.add(f"{where}.route", routes, "must be a list")
        routes = []
    for j, dest in enumerate(routes):
        at = f"{where}.route[{j}]"
        if not _keys(inv, dest, DESTINATION_WEIGHT, at):
            continue
        _destination(inv, dest.get("destination"), f"{at}.destination")
        weight = dest.get("weight")
        if weight is not None and (not isinstance(weight, int) or isinstance(weight, bool) or weight < 0):
            inv.add(f"{at}.weight", weight, "weight must be a non-negative integer")
    if len(routes) > 1 and all(isinstance(d, dict) and d.get("weight", 0) == 0 for d in routes):
        inv.add(f"{where}.route", "weights", "total destination weight = 0")
    fault = rule.get("fault")
    if fault is not None and _keys(inv, fault, {"delay", "abort"}, f"{where}.fault"):
        delay, abort = fault.get("delay"), fault.get("abort")
        if delay is not None and _keys(inv, delay, {"fixedDelay", "exponentialDelay", "percentage", "percent"},
                                       f"{where}.fault.delay"):
            _duration(inv, delay.get("fixedDelay"), f"{where}.fault.delay.fixedDelay")
            _percentage(inv, delay.get("percentage"), f"{where}.fault.delay.percentage")
        if abort is not None and _keys(inv, abort, {"httpStatus", "grpcStatus", "http2Error", "percentage"},
                                       f"{where}.fault.abort"):
            status = abort.get("httpStatus")
            if status is not None and (not isinstance(status, int) or not 200 <= status <= 599):
                inv.add(f"{where}.fault.abort.httpStatus", status, "must be an HTTP status in 200..599")
            _percentage(inv, abort.get("percentage"), f"{where}.fault.abort.percentage")
    if rule.get("mirror") is not None:
        _destination(inv, rule["mirror"], f"{where}.mirror")
    _percentage(inv, rule.get("mirrorPercentage"), f"{where}.mirrorPercentage")
    _duration(inv, rule.get("timeout"), f"{where}.timeout")
    retries = rule.get("retries")
    if retries is not None and _keys(inv, retries, {"attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities",
                                                      "retryIgnorePreviousHosts", "backoff"}, f"{where}.retries"):
        attempts = retries.get("attempts")
        if attempts is not None and (not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0):
            inv.add(f"{where}.retries.attempts", attempts, "must be a non-negative integer")
        _duration(inv, retries.get("perTryTimeout"), f"{where}.retries.perTryTimeout")


def validate(kind: str, obj: dict) -> list[dict[str, str]]:
    """Causes for an invalid Istio object (empty when valid)."""
    inv = Invalid()
    spec = obj.get("spec")
    if spec is None:
        return []
    if kind == "VirtualService":
        if _keys(inv, spec, VS_SPEC, "spec"):
            hosts = spec.get("hosts")
            if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
                inv.add("spec.hosts", hosts, "at least one host is required")
            for i, rule in enumerate(spec.get("http") or []):
                _http_route(inv, rule, f"spec.http[{i}]")
    elif kind == "DestinationRule":
        if _keys(inv, spec, DR_SPEC, "spec"):
            if not isinstance(spec.get("host"), str) or not spec.get("host"):
                inv.add("spec.host", spec.get("host"), "host is required")
            names = set()
            for i, subset in enumerate(spec.get("subsets") or []):
                if not _keys(inv, subset, SUBSET, f"spec.subsets[{i}]"):
                    continue
                name = subset.get("name")
                if not isinstance(name, str) or not name:
                    inv.add(f"spec.subsets[{i}].name", name, "subset name is required")
                elif name in names:
                    inv.add(f"spec.subsets[{i}].name", name, "duplicate subset name")
                names.add(name)
                labels = subset.get("labels") or {}
                if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                    inv.add(f"spec.subsets[{i}].labels", labels, "labels must be strings")
    elif kind == "Gateway":
        _keys(inv, spec, GW_SPEC, "spec")
    return inv.causes
