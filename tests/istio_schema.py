"""Validate Istio objects against the real CRDs in ../shared/data/istio/crd-all.gen.yaml.

Three layers, as the API server applies them: the openAPIV3Schema (types, enums,
oneOf, required) via jsonschema, structural pruning in strict mode (a field the
schema does not declare is an error unless `x-kubernetes-preserve-unknown-fields`),
and the CEL rules (`x-kubernetes-validations`) the VirtualService and DestinationRule
schemas carry: `duration(self) >= duration('1ms')` on every duration field (CEL reads
Go duration syntax) and the label-match rules. A CEL rule this module does not know
is reported as an error, so a new schema cannot pass unchecked.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import yaml

from tests.conftest import shared_file


@lru_cache(maxsize=1)
def _schemas() -> dict[tuple[str, str, str], dict]:
    path = shared_file("data", "istio", "crd-all.gen.yaml")
    out: dict[tuple[str, str, str], dict] = {}
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        for version in spec["versions"]:
            out[(spec["group"], version["name"], spec["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    return out


def schema_for(api_version: str, kind: str) -> dict:
    group, _, version = api_version.rpartition("/")
    return _schemas()[(group, version, kind)]


def _unknown_fields(value: Any, schema: dict, path: str, errors: list[str]) -> None:
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        props = schema.get("properties")
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                _unknown_fields(item, props[key], f"{path}.{key}", errors)
            elif isinstance(additional, dict):
                _unknown_fields(item, additional, f"{path}.{key}", errors)
            elif props is not None and not additional:
                errors.append(f"{path}.{key}: unknown field")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _unknown_fields(item, schema["items"], f"{path}[{i}]", errors)


_GO_TERM = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_GO_NS = {"ns": 1, "us": 10**3, "\u00b5s": 10**3, "\u03bcs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
          "h": 3600 * 10**9}


def go_duration_ns(text: str) -> int | None:
    """Nanoseconds of a Go duration string, or None when CEL's duration() would fail on it."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0
    pos, total = 0, 0.0
    while pos < len(body):
        match = _GO_TERM.match(body, pos)
        if match is None:
            return None
        total += float(match.group(1)) * _GO_NS[match.group(2)]
        pos = match.end()
    if not body:
        return None
    return int(-total if text.startswith("-") else total)


def _cel(rule: str, value: Any) -> bool:
    if rule == "duration(self) >= duration('1ms')":
        ns = go_duration_ns(value) if isinstance(value, str) else None
        return ns is not None and ns >= 10**6
    if rule == 'self.all(key, !key.contains("*"))':
        return all("*" not in key for key in value)
    if rule == "self.all(key, key.size() != 0)":
        return all(key != "" for key in value)
    if rule == '!self.contains("*")':
        return "*" not in value
    raise AssertionError(f"tests/istio_schema.py does not evaluate the CEL rule {rule!r} yet")


def _cel_rules(value: Any, schema: dict, path: str, errors: list[str]) -> None:
    if not isinstance(schema, dict):
        return
    for check in schema.get("x-kubernetes-validations") or []:
        if not _cel(check["rule"], value):
            errors.append(f"{path or '<root>'}: {value!r}: {check.get('message') or check['rule']}")
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key) if key in props else additional if isinstance(additional, dict) else None
            if sub is not None:
                _cel_rules(item, sub, f"{path}.{key}", errors)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _cel_rules(item, schema["items"], f"{path}[{i}]", errors)


@cache
def _validator(api_version: str, kind: str):  # type: ignore[no-untyped-def]
    import jsonschema

    return jsonschema.Draft7Validator(schema_for(api_version, kind))


def validate(obj: dict) -> list[str]:
    """Problems with `obj` under the real CRD schema of its apiVersion/kind (empty = valid)."""
    schema = schema_for(obj["apiVersion"], obj["kind"])
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    errors = [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
              for e in _validator(obj["apiVersion"], obj["kind"]).iter_errors(body)]
    _unknown_fields(body, schema, "", errors)
    _cel_rules(body, schema, "", errors)
    return errors


def assert_valid(obj: dict) -> None:
    problems = validate(obj)
    name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    assert not problems, f"{name} violates the Istio CRD schema: {problems}"
