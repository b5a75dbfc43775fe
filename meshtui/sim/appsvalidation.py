"""Deployments and ReplicaSets, as pkg/apis/apps/validation checks them.

A selector is required and may not be empty; its matchLabels are labels, its
matchExpressions use In/NotIn (with values) or Exists/DoesNotExist (without). The
template's labels must match the selector, its restartPolicy must be Always and it may
not set activeDeadlineSeconds; the template itself is a pod template (podvalidation).
replicas, minReadySeconds, revisionHistoryLimit and progressDeadlineSeconds are
non-negative (the deadline also beyond minReadySeconds); a Deployment's strategy is
Recreate (no rollingUpdate) or RollingUpdate whose maxSurge/maxUnavailable are
non-negative integers or percentages, not both zero, maxUnavailable at most 100%.
In apps/v1 the selector is immutable once created.
"""

from __future__ import annotations

import re
from typing import Any

from meshtui.sim import names
from meshtui.sim.errors import FieldError, GoRepr, go_map, integer, invalid_value, not_supported, required
from meshtui.sim.metavalidation import validate_labels
from meshtui.sim.podvalidation import validate_template

NONNEGATIVE = "must be greater than or equal to 0"


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def selector_matches(selector: dict, labels: dict) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against a set of labels."""
    if any(labels.get(k) != v for k, v in _dict(selector.get("matchLabels")).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values or op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels or op == "DoesNotExist" and key in labels:
            return False
    return True


def validate_selector(selector: dict, path: str) -> list[FieldError]:
    errs = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        expr, here = _dict(expr), f"{path}.matchExpressions[{i}]"
        op, values = expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(required(f"{here}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(FieldError("Forbidden", f"{here}.values", "",
                                       "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            errs.append(invalid_value(f"{here}.operator", op, "not a valid selector operator"))
        errs += [invalid_value(f"{here}.key", expr.get("key"), m) for m in names.qualified_name(str(expr.get("key")))]
        for j, value in enumerate(values):
            errs += [invalid_value(f"{here}.values[{j}]", value, m) for m in names.label_value(str(value))]
    return errs


def _nonnegative(spec: dict, field: str) -> list[FieldError]:
    value = spec.get(field)
    if value is not None and integer(value, f"spec.{field}") < 0:
        return [invalid_value(f"spec.{field}", value, NONNEGATIVE)]
    return []


def _int_or_percent(value: Any, path: str) -> tuple[int, bool, list[FieldError]]:
    if isinstance(value, str):
        if not re.fullmatch("[0-9]+%", value):
            return 0, True, [invalid_value(path, value, names.regex_error(
                "a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%"))]
        return int(value[:-1]), True, []
    number = integer(value, path)
    return number, False, [invalid_value(path, number, NONNEGATIVE)] if number < 0 else []


def _strategy(strategy: dict) -> list[FieldError]:
    kind = strategy.get("type", "RollingUpdate")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [FieldError("Forbidden", "spec.strategy.rollingUpdate", "",
                               "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [not_supported("spec.strategy", GoRepr(f"{{Type:{kind}}}"), ["Recreate", "RollingUpdate"])]
    rolling = _dict(strategy.get("rollingUpdate"))
    path = "spec.strategy.rollingUpdate"
    unavailable, percent, errs = _int_or_percent(rolling.get("maxUnavailable", "25%"), f"{path}.maxUnavailable")
    surge, _, more = _int_or_percent(rolling.get("maxSurge", "25%"), f"{path}.maxSurge")
    errs += more
    if unavailable == 0 and surge == 0:
        errs.append(invalid_value(f"{path}.maxUnavailable", rolling.get("maxUnavailable"),
                                  "may not be 0 when `maxSurge` is 0"))
    if percent and unavailable > 100:
        errs.append(invalid_value(f"{path}.maxUnavailable", rolling.get("maxUnavailable"),
                                  "must not be greater than 100%"))
    return errs


def validate_workload(obj: dict, kind: str) -> list[FieldError]:
    """ValidateDeploymentSpec / ValidateReplicaSetSpec."""
    spec = _dict(obj.get("spec"))
    errs = _nonnegative(spec, "replicas") + _nonnegative(spec, "minReadySeconds")
    selector = spec.get("selector")
    template = _dict(spec.get("template"))
    if selector is None:
        errs.append(required("spec.selector"))
    else:
        selector = _dict(selector)
        errs += validate_selector(selector, "spec.selector")
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            errs.append(invalid_value("spec.selector", selector, "empty selector is invalid for deployment"))
        else:
            labels = _dict(_dict(template.get("metadata")).get("labels"))
            if not selector_matches(selector, labels):
                errs.append(invalid_value("spec.template.metadata.labels", go_map(labels),
                                          "`selector` does not match template `labels`"))
    errs += validate_template(template, "spec.template")
    restart = _dict(template.get("spec")).get("restartPolicy", "Always")
    if restart != "Always":
        errs.append(not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    deadline = _dict(template.get("spec")).get("activeDeadlineSeconds")
    if deadline is not None:
        errs.append(invalid_value("spec.template.spec.activeDeadlineSeconds", deadline,
                                  "activeDeadlineSeconds in ReplicaSet is not Supported"))
    if kind == "Deployment":
        errs += _strategy(_dict(spec.get("strategy")))
        errs += _nonnegative(spec, "revisionHistoryLimit") + _nonnegative(spec, "progressDeadlineSeconds")
        deadline = spec.get("progressDeadlineSeconds")
        if deadline is not None and deadline <= spec.get("minReadySeconds", 0):
            errs.append(invalid_value("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return errs


def validate_workload_update(obj: dict, old: dict) -> list[FieldError]:
    """apps/v1 forbids changing the selector of a Deployment or ReplicaSet."""
    new_selector, old_selector = _dict(obj.get("spec")).get("selector"), _dict(old.get("spec")).get("selector")
    if new_selector != old_selector:
        return [invalid_value("spec.selector", new_selector, "field is immutable")]
    return []
