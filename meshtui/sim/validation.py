"""Which checks run for which kind, in the order a real API server runs them.

Create (`rest.BeforeCreate`): the kind's strategy validates first - ObjectMeta with the
kind's name rule (Namespace: DNS-1123 label, Service: DNS-1035 label, everything else a
DNS-1123 subdomain) plus the kind's own rules; only if that passes does the generic
ObjectMeta check run, whose name rule is merely "a safe path segment". core/v1 Events
have no strategy name rule, so an Event may be named with any characters but `/`, `%`,
`.` and `..` - as on a real server. Custom resources (Istio) get a DNS-1123 subdomain
name plus their schema checks (istio_validation). Update: immutable metadata, then the
kind's rules again and its own immutable fields; a write to the `status` subresource
only changes status, so only metadata is re-checked.
"""

from __future__ import annotations

from meshtui.sim import appsvalidation, corevalidation, istio_validation, names, podvalidation
from meshtui.sim.decoding import decode_values
from meshtui.sim.errors import Cause, FieldError
from meshtui.sim.metavalidation import NameFn, kind_name_fn, validate_meta, validate_meta_update
from meshtui.sim.resources import ResourceType


def _spec(rt: ResourceType, obj: dict) -> list[FieldError]:
    kind = rt.kind
    if kind == "Pod":
        return podvalidation.validate_pod_spec(obj.get("spec"), "spec", pod=True)
    if kind in ("Deployment", "ReplicaSet"):
        return appsvalidation.validate_workload(obj, kind)
    if kind == "Service":
        return corevalidation.validate_service(obj)
    if kind == "Namespace":
        return corevalidation.validate_namespace(obj)
    if kind == "ConfigMap":
        sizes = {k: len(v) for k, v in decode_values(obj, "binaryData").items()}
        return corevalidation.validate_config_map(obj, sizes)
    if kind == "Secret":
        return corevalidation.validate_secret(obj, decode_values(obj, "data"))
    if kind == "Event":
        return corevalidation.validate_event(obj)
    return []


def _path_segment(name: str, prefix: bool) -> list[str]:
    return names.path_segment(name, prefix)


def _name_fn(rt: ResourceType) -> NameFn:
    if not rt.builtin:
        return lambda name, prefix: names.dns1123_subdomain(names.mask_trailing_dash(name) if prefix else name)
    return kind_name_fn(rt.kind)


def validate_create(rt: ResourceType, obj: dict) -> list[Cause]:
    meta = obj.get("metadata") or {}
    if not rt.builtin:
        errs: list[Cause] = [*validate_meta(meta, rt.namespaced, _name_fn(rt), builtin=False)]
        return errs + list(istio_validation.validate(rt.kind, obj))
    if rt.kind == "Event":
        first = _spec(rt, obj)
        return [*first] if first else [*validate_meta(meta, rt.namespaced, _path_segment)]
    return [*validate_meta(meta, rt.namespaced, _name_fn(rt)), *_spec(rt, obj)]


def validate_update(rt: ResourceType, obj: dict, old: dict, subresource: str | None = None) -> list[Cause]:
    meta, old_meta = obj.get("metadata") or {}, old.get("metadata") or {}
    errs: list[Cause] = [*validate_meta_update(meta, old_meta, builtin=rt.builtin)]
    if subresource == "status":
        return errs
    if not rt.builtin:
        return errs + list(istio_validation.validate(rt.kind, obj))
    errs += _spec(rt, obj)
    if rt.kind == "Pod":
        errs += podvalidation.validate_pod_update(obj.get("spec"), old.get("spec"))
    elif rt.kind in ("Deployment", "ReplicaSet"):
        errs += appsvalidation.validate_workload_update(obj, old)
    elif rt.kind == "Secret":
        errs += corevalidation.validate_secret_update(obj, old)
    return errs


def validate(rt: ResourceType, obj: dict, old: dict | None, subresource: str | None = None) -> list[Cause]:
    """Every cause a real server would report for writing `obj` (over `old`, if any)."""
    if rt.group == "metrics.k8s.io":
        return []
    return validate_create(rt, obj) if old is None else validate_update(rt, obj, old, subresource)
