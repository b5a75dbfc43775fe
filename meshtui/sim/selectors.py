"""Label and field selectors with the API server's syntax and its error messages.

Label selectors: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>N`,
`k<N`, comma-separated and ANDed; keys are qualified names (a lowercase DNS-subdomain prefix of
at most 253 characters and `/`, then at most 63 characters), values label values (at most 63),
a set is never empty and a comma is always followed by a requirement, as apimachinery checks. Field selectors: `path=v`, `path==v`, `path!=v` over the
fields each kind allows (others are a 400 "field label not supported", as for real).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_KEY = r"(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z0-9A-Z]([a-z0-9A-Z_.\-]*[a-z0-9A-Z])?"
_VALUE = r"([a-z0-9A-Z]([a-z0-9A-Z_.\-]*[a-z0-9A-Z])?)?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_CMP = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*({_VALUE})\s*$")
_ORDER = re.compile(rf"^\s*({_KEY})\s*(<|>)\s*(-?[0-9]+)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
_VALUE_ONLY = re.compile(rf"^{_VALUE}$")


class SelectorError(ValueError):
    """A selector the server cannot parse (HTTP 400)."""


Matcher = Callable[[Mapping[str, str]], bool]


def _split(selector: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    stripped = [part.strip() for part in parts]
    if len(stripped) > 1 and "" in stripped:
        raise SelectorError(f"unable to parse requirement: found '', expected: identifier after ',' in {selector!r}")
    return [part for part in stripped if part]


def _checked_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if len(name) > 63 or len(prefix) > 253:
        raise SelectorError(f"invalid label key {key!r}: name part must be no more than 63 characters"
                            f"{' and the prefix no more than 253' if prefix else ''}")
    return key


def _checked_value(value: str) -> str:
    if len(value) > 63 or not _VALUE_ONLY.match(value):
        raise SelectorError(f"invalid label value {value!r}: must be no more than 63 characters, alphanumeric at "
                            "both ends, with '-', '_' or '.' between")
    return value


def _as_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _requirement(text: str) -> Matcher:
    if m := _SET.match(text):
        key, op = _checked_key(m.group(1)), m.group(5)
        values = {_checked_value(v.strip()) for v in m.group(6).split(",") if v.strip()}
        if not values:
            raise SelectorError(f"for 'in', 'notin' operators, values set can't be empty: {text!r}")
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _ORDER.match(text):
        key, op, bound = _checked_key(m.group(1)), m.group(5), int(m.group(6))
        if op == ">":
            return lambda labels: (n := _as_int(labels.get(key))) is not None and n > bound
        return lambda labels: (n := _as_int(labels.get(key))) is not None and n < bound
    if m := _CMP.match(text):
        key, op, value = _checked_key(m.group(1)), m.group(5), _checked_value(m.group(6))
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _EXISTS.match(text):
        negate, key = m.group(1) == "!", _checked_key(m.group(2))
        return (lambda labels: key not in labels) if negate else (lambda labels: key in labels)
    raise SelectorError(f"unable to parse requirement: {text!r}")


def parse_label_selector(selector: str | None) -> Matcher:
    """A predicate over a labels dict; an empty selector matches everything."""
    if not selector:
        return lambda labels: True
    requirements = [_requirement(part) for part in _split(selector)]
    return lambda labels: all(req(labels) for req in requirements)


def match_labels(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """A workload's `matchLabels` (equality only)."""
    return all(labels.get(k) == v for k, v in selector.items())


FIELD_LABELS: dict[str, set[str]] = {
    "Pod": {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
            "status.nominatedNodeName"},
    "Event": {"metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
              "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
              "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent",
              "source", "type"},
    "Secret": {"metadata.name", "metadata.namespace", "type"},
    "Namespace": {"metadata.name", "status.phase"},
    "Node": {"metadata.name", "spec.unschedulable"},
    "ReplicaSet": {"metadata.name", "metadata.namespace", "status.replicas"},
}
DEFAULT_FIELDS = {"metadata.name", "metadata.namespace"}


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    current: Any = obj
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return ""
        current = current.get(part)
    if path == "source" and isinstance(current, Mapping):
        current = current.get("component", "")
    if isinstance(current, bool):
        return "true" if current else "false"
    return "" if current is None else str(current)


def _field_check(path: str, value: str, negate: bool) -> Callable[[Mapping[str, Any]], bool]:
    def check(obj: Mapping[str, Any]) -> bool:
        return (_field_value(obj, path) == value) != negate
    return check


def parse_field_selector(selector: str | None, kind: str) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over a whole object; unknown fields raise `SelectorError`."""
    if not selector:
        return lambda obj: True
    allowed = FIELD_LABELS.get(kind, DEFAULT_FIELDS)
    checks: list[Callable[[Mapping[str, Any]], bool]] = []
    for part in _split(selector):
        m = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not m:
            raise SelectorError(f"invalid selector: {part!r}; can't understand {part!r}")
        path, op, value = m.groups()
        if path not in allowed:
            raise SelectorError(f'field label not supported: {path}')
        checks.append(_field_check(path, value, op == "!="))
    return lambda obj: all(check(obj) for check in checks)
