"""The simulated API server's object store: the semantics clients depend on.

One global, monotonic resourceVersion; optimistic concurrency (409 on a stale
version); generation bumps on spec changes; namespace and ownerReference cascades;
finalizers (a DELETE only marks the object, it goes when its last finalizer does).
Every write passes the API server's pipeline: decode (400: Secret base64, stringData
merged into data, field types), generateName, admission (defaults, sidecar
injection), validation (422 with causes, see validation.py), then 409 AlreadyExists.
Controllers write through `mutate`, which skips validation as the real controllers'
own writes need no user-facing checks.

The store lives on the server's event loop thread and is not thread-safe: other
threads reach it through `SimCluster`, which hops onto the loop. Stored objects are
never mutated in place; every write stores a new dict, so readers can serialise them.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from meshtui.sim import decoding, resources, validation
from meshtui.sim.errors import ApiError, TypeMismatch, bad_request, invalid
from meshtui.sim.resources import ResourceType
from meshtui.sim.timefmt import now_iso
from meshtui.sim.watchlog import Watcher, WatchEvent, WatchLog

__all__ = ["ApiError", "Store", "WatchEvent", "Watcher", "not_found", "now_iso"]

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_GENERATED_PREFIX = 58  # 63 minus the 5 random characters
Mutator = Callable[[ResourceType, dict, "dict | None"], None]
Listener = Callable[[WatchEvent], None]
Backlog = list[WatchEvent]  # spelled here: inside Store, `list` is the method


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.qualified} "{name}" not found', {"name": name, "group": rt.group,
                                                                            "kind": rt.plural})


class Store(WatchLog):
    """In-memory objects keyed by storage key, then (namespace, name)."""

    def __init__(self, history: int = 50_000, rng: random.Random | None = None) -> None:
        super().__init__(history)
        self.objects: dict[str, dict[tuple[str, str], dict]] = {}
        self.listeners: list[Listener] = []
        self.mutators: list[Mutator] = []
        self.rng = rng or random.Random()
        self.audit: deque[dict] = deque(maxlen=5000)
        """Every Istio object written through the API, for schema checks in tests."""

    # -- reads -------------------------------------------------------------------------
    def bucket(self, rt: ResourceType) -> dict[tuple[str, str], dict]:
        return self.objects.setdefault(rt.storage_key, {})

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> dict:
        obj = self.bucket(rt).get((namespace or "", name))
        if obj is None:
            raise not_found(rt, name)
        return obj

    def find(self, rt: ResourceType, namespace: str | None, name: str) -> dict | None:
        return self.bucket(rt).get((namespace or "", name))

    def list(self, rt: ResourceType, namespace: str | None = None,
             matches: Callable[[dict], bool] | None = None) -> list[dict]:
        items: Iterable[dict] = self.bucket(rt).values()
        if namespace:
            items = (o for o in items if o["metadata"].get("namespace") == namespace)
        if matches is not None:
            items = (o for o in items if matches(o))
        return sorted(items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))

    def namespace_exists(self, name: str, namespaces: ResourceType) -> bool:
        return ("", name) in self.bucket(namespaces)

    # -- the write pipeline ------------------------------------------------------------
    def _commit(self, rt: ResourceType, kind: str, obj: dict, old: dict | None) -> dict:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if kind == "DELETED":
            self.bucket(rt).pop(key, None)
        else:
            self.bucket(rt)[key] = obj
        event = WatchEvent(self.rv, rt.storage_key, key[0], kind, obj, old)
        self.record(event)
        for listener in list(self.listeners):
            listener(event)
        return obj

    def _admit(self, rt: ResourceType, obj: dict, old: dict | None, subresource: str | None = None) -> None:
        for mutate in self.mutators:
            mutate(rt, obj, old)
        try:
            causes = validation.validate(rt, obj, old, subresource)
        except TypeMismatch as exc:
            raise decoding.cannot_handle(rt.kind, rt.version, str(exc)) from None
        if causes:
            raise invalid(rt.kind, rt.group, obj["metadata"].get("name") or "", causes)
        if not rt.builtin:
            self.audit.append(copy.deepcopy(obj))

    @staticmethod
    def _decoded(rt: ResourceType, body: Any) -> dict:
        if not isinstance(body, dict):
            raise bad_request("the body of the request must be an object")
        obj = copy.deepcopy(body)
        if obj.get("metadata") is None:
            obj["metadata"] = {}
        decoding.normalize(rt.kind, rt.version, obj)
        return obj

    def create(self, rt: ResourceType, namespace: str | None, body: Any, *, dry_run: bool = False,
               namespaces: ResourceType | None = None) -> dict:
        obj = self._decoded(rt, body)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            suffix = "".join(self.rng.choice(NAME_ALPHABET) for _ in range(5))
            meta["name"] = f"{meta['generateName'][:MAX_GENERATED_PREFIX]}{suffix}"
        if rt.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
            namespace = namespace or meta.get("namespace") or "default"
            if namespaces is not None and not self.namespace_exists(namespace, namespaces):
                raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found',
                               {"name": namespace, "kind": "namespaces"})
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        # UIDs are random, as on a real server, so two sims (same seed or not) never share one; the
        # seeded generator still advances as before, keeping names and timings reproducible per seed.
        self.rng.getrandbits(128)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        meta["generation"] = 1
        for server_set in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(server_set, None)
        self._admit(rt, obj, None)
        if self.find(rt, meta.get("namespace"), meta["name"]) is not None:
            raise ApiError(409, "AlreadyExists", f'{rt.qualified} "{meta["name"]}" already exists',
                           {"name": meta["name"], "group": rt.group, "kind": rt.plural})
        if dry_run:
            return obj
        return self._commit(rt, "ADDED", obj, None)

    def replace(self, rt: ResourceType, namespace: str | None, name: str, body: Any, *, dry_run: bool = False,
                subresource: str | None = None, require_version: bool | None = None) -> dict:
        current = self.get(rt, namespace, name)
        obj = self._decoded(rt, body)
        meta = obj["metadata"]
        if meta.get("name", name) != name:
            raise bad_request(f'the name of the object ({meta.get("name")}) does not match the name on the URL '
                              f"({name})")
        if meta.get("namespace") and meta["namespace"] != current["metadata"].get("namespace", meta["namespace"]):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the "
                              "request")
        version = meta.get("resourceVersion")
        needs = (not rt.builtin) if require_version is None else require_version
        if not version and needs:
            raise ApiError(422, "Invalid", f'{rt.kind}.{rt.group} "{name}" is invalid: metadata.resourceVersion: '
                           "Invalid value: 0x0: must be specified for an update",
                           {"name": name, "group": rt.group, "kind": rt.kind,
                            "causes": [{"reason": "FieldValueInvalid", "field": "metadata.resourceVersion",
                                        "message": "Invalid value: 0x0: must be specified for an update"}]})
        if version and version != current["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rt.qualified} "{name}": the object '
                           "has been modified; please apply your changes to the latest version and try again",
                           {"name": name, "group": rt.group, "kind": rt.plural})
        old_meta = current["metadata"]
        for kept in ("namespace", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(kept, None)
            if kept in old_meta:
                meta[kept] = old_meta[kept]
        if not meta.get("uid"):
            meta["uid"] = old_meta.get("uid")
        meta["name"] = name
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        if subresource == "status":
            obj = {**copy.deepcopy(current), "status": obj.get("status", {})}
        elif "status" in rt.subresources or not rt.builtin:
            obj["status"] = copy.deepcopy(current.get("status", {})) if "status" in current else obj.get("status")
            if obj.get("status") is None:
                obj.pop("status")
        generation = old_meta.get("generation", 1)
        obj["metadata"]["generation"] = generation + 1 if obj.get("spec") != current.get("spec") else generation
        self._admit(rt, obj, current, subresource)
        if dry_run:
            return obj
        if obj["metadata"].get("deletionTimestamp") and not obj["metadata"].get("finalizers"):
            return self._remove(rt, current, None)  # the last finalizer went: now it is deleted
        return self._commit(rt, "MODIFIED", obj, current)

    def mutate(self, rt: ResourceType, namespace: str | None, name: str, change: Callable[[dict], None]) -> dict:
        """Controller-side update: copy, change, commit (no version precondition, no validation)."""
        current = self.get(rt, namespace, name)
        obj = copy.deepcopy(current)
        change(obj)
        if obj == current:
            return current
        if obj.get("spec") != current.get("spec"):
            obj["metadata"]["generation"] = current["metadata"].get("generation", 1) + 1
        return self._commit(rt, "MODIFIED", obj, current)

    def delete(self, rt: ResourceType, namespace: str | None, name: str, *, dry_run: bool = False,
               types: Iterable[ResourceType] | None = None) -> dict:
        """Delete now, or - while finalizers remain - mark it deleted (`deletionTimestamp`) and keep it."""
        current = self.get(rt, namespace, name)
        if current["metadata"].get("finalizers"):
            if current["metadata"].get("deletionTimestamp"):
                return current
            marked = copy.deepcopy(current)
            marked["metadata"].update({"deletionTimestamp": now_iso(), "deletionGracePeriodSeconds": 0})
            return marked if dry_run else self._commit(rt, "MODIFIED", marked, current)
        if dry_run:
            return current
        return self._remove(rt, current, types)

    def _remove(self, rt: ResourceType, current: dict, types: Iterable[ResourceType] | None) -> dict:
        gone = copy.deepcopy(current)
        gone["metadata"].setdefault("deletionTimestamp", now_iso())
        self._commit(rt, "DELETED", gone, current)
        uid, name = current["metadata"].get("uid"), current["metadata"]["name"]
        cascade = resources.stored_types() if types is None else list(types)
        for other in cascade:
            for obj in list(self.bucket(other).values()):
                meta = obj["metadata"]
                owned = any(ref.get("uid") == uid for ref in meta.get("ownerReferences") or [])
                in_namespace = rt.kind == "Namespace" and other.namespaced and meta.get("namespace") == name
                if (owned or in_namespace) and self.find(other, meta.get("namespace"), meta["name"]) is not None:
                    self.delete(other, meta.get("namespace"), meta["name"], types=cascade)
        return gone

    # -- watches -----------------------------------------------------------------------
    def open_watch(self, rt: ResourceType, namespace: str | None, matches: Callable[[dict], bool],
                   resource_version: str | None) -> tuple[Watcher, Backlog]:
        """A watch on `rt` (see WatchLog.open_key_watch)."""
        current = self.list(rt, namespace) if not resource_version or resource_version == "0" else []
        return self.open_key_watch(rt.storage_key, namespace, matches, resource_version, current)
