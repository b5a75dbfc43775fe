"""Validate Istio objects against the real CRDs in ../shared/data/istio/crd-all.gen.yaml.

Two layers, as the API server applies them: the openAPIV3Schema (types, enums,
oneOf, required) via jsonschema, and structural pruning in strict mode (a field the
schema does not declare is an error unless `x-kubernetes-preserve-unknown-fields`).
CEL rules (`x-kubernetes-validations`) are not evaluated.
"""

from __future__ import annotations

from functools import lru_cache
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


def validate(obj: dict) -> list[str]:
    """Problems with `obj` under the real CRD schema of its apiVersion/kind (empty = valid)."""
    import jsonschema

    schema = schema_for(obj["apiVersion"], obj["kind"])
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    errors = [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(body)]
    _unknown_fields(body, schema, "", errors)
    return errors


def assert_valid(obj: dict) -> None:
    problems = validate(obj)
    name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    assert not problems, f"{name} violates the Istio CRD schema: {problems}"
