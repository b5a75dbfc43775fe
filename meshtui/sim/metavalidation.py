"""`metadata` validated as apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate do.

Create: `generateName` (checked as a prefix: a trailing `-` is fine), `name` (required,
in the kind's format), `namespace` (a DNS-1123 label on namespaced kinds, forbidden on
cluster-scoped ones), `generation` >= 0, labels (qualified-name keys, label values),
annotations (keys as qualified names, case-insensitive; keys + values at most 256 KiB
in total, values otherwise free text), ownerReferences (apiVersion/kind/name/uid set,
Events never owners, one controller), finalizers (qualified names; built-in kinds also
need a `/` unless the name is a standard one). Update: the same plus immutable
name/namespace/uid/creationTimestamp/deletionTimestamp, generation never decremented,
no new finalizers once deletion started. Map keys are checked in sorted order so a
message is the same on every run (Go's map order is random).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meshtui.sim import names
from meshtui.sim.errors import FieldError, forbidden, go_quote, invalid_value, required, too_long

TOTAL_ANNOTATION_SIZE = 256 * 1024
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")
NameFn = Callable[[str, bool], list[str]]


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in sorted(labels or {}):
        errs += [invalid_value(path, key, msg) for msg in names.qualified_name(key)]
        errs += [invalid_value(path, labels[key], msg) for msg in names.label_value(labels[key])]
    return errs


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    annotations = annotations or {}
    for key in sorted(annotations):
        errs += [invalid_value(path, key, msg) for msg in names.qualified_name(key.lower())]
    size = sum(names.byte_len(k) + names.byte_len(v) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE:
        errs.append(too_long(path, TOTAL_ANNOTATION_SIZE))
    return errs


def _owner_references(refs: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    controller = ""
    for ref in refs or []:
        api_version, kind = str(ref.get("apiVersion") or ""), str(ref.get("kind") or "")
        if not api_version.rpartition("/")[2]:
            errs.append(invalid_value(f"{path}.apiVersion", api_version, "version must not be empty"))
        for field in ("kind", "name", "uid"):
            if not ref.get(field):
                errs.append(invalid_value(f"{path}.{field}", ref.get(field) or "", "must not be empty"))
        if api_version == "v1" and kind == "Event":
            errs.append(invalid_value(path, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            this = f"{kind}/{ref.get('name', '')}"
            if controller:
                errs.append(invalid_value(path, refs, "Only one reference can have Controller set to true. Found "
                                                      f'"true" in references for {controller} and {this}'))
            else:
                controller = this
    return errs


def _finalizers(finalizers: Any, path: str, builtin: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    for index, name in enumerate(finalizers or []):
        errs += [invalid_value(path, name, msg) for msg in names.qualified_name(name)]
        if builtin and "/" not in name and name not in STANDARD_FINALIZERS:
            errs.append(invalid_value(f"{path}[{index}]", name,
                                      "name is neither a standard finalizer name nor is it fully qualified"))
    if "orphan" in (finalizers or []) and "foregroundDeletion" in (finalizers or []):
        errs.append(invalid_value(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errs


def _common(meta: dict, builtin: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    generation = meta.get("generation", 0)
    if isinstance(generation, int) and generation < 0:
        errs.append(invalid_value("metadata.generation", generation, "must be greater than or equal to 0"))
    errs += validate_labels(meta.get("labels"), "metadata.labels")
    errs += validate_annotations(meta.get("annotations"), "metadata.annotations")
    errs += _owner_references(meta.get("ownerReferences"), "metadata.ownerReferences")
    errs += _finalizers(meta.get("finalizers"), "metadata.finalizers", builtin)
    return errs


def validate_meta(meta: dict, namespaced: bool, name_fn: NameFn, builtin: bool = True) -> list[FieldError]:
    """ValidateObjectMeta on create (name generation has already happened)."""
    errs: list[FieldError] = []
    generate = meta.get("generateName") or ""
    if generate:
        errs += [invalid_value("metadata.generateName", generate, msg) for msg in name_fn(generate, True)]
    name = meta.get("name") or ""
    if not name:
        errs.append(required("metadata.name", "name or generateName is required"))
    else:
        errs += [invalid_value("metadata.name", name, msg) for msg in name_fn(name, False)]
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(required("metadata.namespace"))
        else:
            errs += [invalid_value("metadata.namespace", namespace, msg) for msg in names.dns1123_label(namespace)]
    elif namespace:
        errs.append(forbidden("metadata.namespace", "not allowed on this type"))
    return errs + _common(meta, builtin)


def _immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    return [] if new == old else [invalid_value(path, new, "field is immutable")]


def validate_meta_update(meta: dict, old: dict, builtin: bool = True) -> list[FieldError]:
    """ValidateObjectMetaUpdate: what an update may not change, then the common rules again."""
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        added = sorted(set(meta.get("finalizers") or []) - set(old.get("finalizers") or []))
        if added:
            errs.append(forbidden("metadata.finalizers", "no new finalizers can be added if the object is being "
                                                         "deleted, found new finalizers []string{"
                                                         + ", ".join(go_quote(f) for f in added) + "}"))
    if int(meta.get("generation") or 0) < int(old.get("generation") or 0):
        errs.append(invalid_value("metadata.generation", meta.get("generation"), "must not be decremented"))
    for field in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"):
        errs += _immutable(meta.get(field) or "", old.get(field) or "", f"metadata.{field}")
    return errs + _common(meta, builtin)


def kind_name_fn(kind: str) -> NameFn:
    return lambda name, prefix: names.check_name(kind, name, prefix)
