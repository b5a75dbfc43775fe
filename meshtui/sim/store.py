"""The simulated API server's object store: the semantics clients depend on.

One global, monotonic resourceVersion; optimistic concurrency (409 on a stale
version); a bounded event history so watches resume from a version and get 410 when
it was compacted away; generation bumps on spec changes; namespace and ownerReference
cascades; admission hooks (defaults, sidecar injection) and validation (422).

The store lives on the server's event loop thread and is not thread-safe: other
threads reach it through `SimCluster`, which hops onto the loop. Stored objects are
never mutated in place; every write stores a new dict, so readers can serialise them.
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from meshtui.sim.resources import ResourceType


def now_iso(at: float | None = None) -> str:
    """RFC 3339 with second precision, as metav1.Time serialises."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))


class ApiError(Exception):
    """An error the server answers as a `kind: Status` object."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> dict:
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message,
                "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.qualified} "{name}" not found', {"name": name, "group": rt.group,
                                                                            "kind": rt.plural})


@dataclass
class WatchEvent:
    """One change, kept in the history for watch resumption."""

    rv: int
    key: str
    namespace: str
    type: str
    obj: dict
    old: dict | None = None


@dataclass(eq=False)
class Watcher:
    """A live watch: a filter and the queue its HTTP handler drains."""

    key: str
    namespace: str | None
    matches: Callable[[dict], bool]
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    overflowed: bool = False


Mutator = Callable[[ResourceType, dict, dict | None], None]
Validator = Callable[[ResourceType, dict], list[dict] | None]
Listener = Callable[[WatchEvent], None]
MAX_WATCH_BACKLOG = 200_000


class Store:
    """In-memory objects keyed by storage key, then (namespace, name)."""

    def __init__(self, history: int = 50_000, rng: random.Random | None = None) -> None:
        self.rv = 1
        self.objects: dict[str, dict[tuple[str, str], dict]] = {}
        self.history: deque[WatchEvent] = deque(maxlen=history)
        self.floor = 1
        self.watchers: dict[str, set[Watcher]] = {}
        self.listeners: list[Listener] = []
        self.mutators: list[Mutator] = []
        self.validators: list[Validator] = []
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
        items = self.bucket(rt).values()
        if namespace:
            items = [o for o in items if o["metadata"].get("namespace") == namespace]
        if matches is not None:
            items = [o for o in items if matches(o)]
        return sorted(items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))

    def namespace_exists(self, name: str, namespaces: ResourceType) -> bool:
        return ("", name) in self.bucket(namespaces)

    # -- writes ------------------------------------------------------------------------
    def _commit(self, rt: ResourceType, kind: str, obj: dict, old: dict | None) -> dict:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if kind == "DELETED":
            self.bucket(rt).pop(key, None)
        else:
            self.bucket(rt)[key] = obj
        event = WatchEvent(self.rv, rt.storage_key, key[0], kind, obj, old)
        if len(self.history) == self.history.maxlen:
            self.floor = self.history[0].rv
        self.history.append(event)
        for watcher in list(self.watchers.get(rt.storage_key, ())):
            self._offer(watcher, event)
        for listener in list(self.listeners):
            listener(event)
        return obj

    def _offer(self, watcher: Watcher, event: WatchEvent) -> None:
        if watcher.overflowed:
            return
        if watcher.queue.qsize() > MAX_WATCH_BACKLOG:
            watcher.overflowed = True  # the handler closes the stream; the client relists
            watcher.queue.put_nowait(None)
            return
        watcher.queue.put_nowait(event)

    def _admit(self, rt: ResourceType, obj: dict, old: dict | None) -> None:
        for mutate in self.mutators:
            mutate(rt, obj, old)
        causes: list[dict] = []
        for validate in self.validators:
            causes += validate(rt, obj) or []
        if causes:
            name = obj["metadata"].get("name", "")
            message = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
            raise ApiError(422, "Invalid", f'{rt.kind}.{rt.group or "core"} "{name}" is invalid: {message}',
                           {"name": name, "group": rt.group, "kind": rt.kind, "causes": causes})
        if not rt.builtin:
            self.audit.append(copy.deepcopy(obj))

    def create(self, rt: ResourceType, namespace: str | None, body: Any, *, dry_run: bool = False,
               namespaces: ResourceType | None = None) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body of the request must be an object")
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "BadRequest", "metadata must be an object")
        if not meta.get("name"):
            if meta.get("generateName"):
                suffix = "".join(self.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
                meta["name"] = f"{meta['generateName']}{suffix}"
            else:
                raise ApiError(422, "Invalid", f"{rt.kind} \"\" is invalid: metadata.name: Required value: "
                               "name or generateName is required")
        if rt.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise ApiError(400, "BadRequest", "the namespace of the provided object does not match the "
                               "namespace sent on the request")
            namespace = namespace or meta.get("namespace") or "default"
            if namespaces is not None and not self.namespace_exists(namespace, namespaces):
                raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found',
                               {"name": namespace, "kind": "namespaces"})
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if self.find(rt, meta.get("namespace"), meta["name"]) is not None:
            raise ApiError(409, "AlreadyExists", f'{rt.qualified} "{meta["name"]}" already exists',
                           {"name": meta["name"], "group": rt.group, "kind": rt.plural})
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        meta["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        meta["creationTimestamp"] = now_iso()
        meta["generation"] = 1
        meta.pop("resourceVersion", None)
        self._admit(rt, obj, None)
        if dry_run:
            return obj
        return self._commit(rt, "ADDED", obj, None)

    def replace(self, rt: ResourceType, namespace: str | None, name: str, body: Any, *, dry_run: bool = False,
                subresource: str | None = None, require_version: bool | None = None) -> dict:
        current = self.get(rt, namespace, name)
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body of the request must be an object")
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if meta.get("name", name) != name:
            raise ApiError(400, "BadRequest", f'the name of the object ({meta.get("name")}) does not match the '
                           f"name on the URL ({name})")
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
        for keep in ("uid", "creationTimestamp", "namespace"):
            if keep in current["metadata"]:
                meta[keep] = current["metadata"][keep]
        meta["name"] = name
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        if subresource == "status":
            obj = {**copy.deepcopy(current), "status": obj.get("status", {})}
        elif "status" in rt.subresources or not rt.builtin:
            obj["status"] = copy.deepcopy(current.get("status", {})) if "status" in current else obj.get("status")
            if obj.get("status") is None:
                obj.pop("status")
        generation = current["metadata"].get("generation", 1)
        if obj.get("spec") != current.get("spec"):
            generation += 1
        obj["metadata"]["generation"] = generation
        self._admit(rt, obj, current)
        if dry_run:
            return obj
        return self._commit(rt, "MODIFIED", obj, current)

    def mutate(self, rt: ResourceType, namespace: str | None, name: str, change: Callable[[dict], None]) -> dict:
        """Controller-side update: copy, change, commit (no version precondition)."""
        current = self.get(rt, namespace, name)
        obj = copy.deepcopy(current)
        change(obj)
        if obj == current:
            return current
        if obj.get("spec") != current.get("spec"):
            obj["metadata"]["generation"] = current["metadata"].get("generation", 1) + 1
        return self._commit(rt, "MODIFIED", obj, current)

    def delete(self, rt: ResourceType, namespace: str | None, name: str, *, dry_run: bool = False,
               types: Iterable[ResourceType] = ()) -> dict:
        current = self.get(rt, namespace, name)
        if dry_run:
            return current
        gone = copy.deepcopy(current)
        gone["metadata"]["deletionTimestamp"] = now_iso()
        self._commit(rt, "DELETED", gone, current)
        uid = current["metadata"].get("uid")
        for other in types:
            for obj in list(self.bucket(other).values()):
                meta = obj["metadata"]
                owned = any(ref.get("uid") == uid for ref in meta.get("ownerReferences") or [])
                in_namespace = rt.kind == "Namespace" and other.namespaced and meta.get("namespace") == name
                if owned or in_namespace:
                    if self.find(other, meta.get("namespace"), meta["name"]) is not None:
                        self.delete(other, meta.get("namespace"), meta["name"], types=types)
        return gone

    # -- watches -----------------------------------------------------------------------
    def open_watch(self, rt: ResourceType, namespace: str | None, matches: Callable[[dict], bool],
                   resource_version: str | None) -> tuple[Watcher, list[WatchEvent]]:
        """Register a watcher and return the backlog it must send first.

        No version (or "0"): synthetic ADDED for what exists now. A version older than
        the kept history: 410 Expired, as etcd compaction causes on a real server.
        """
        watcher = Watcher(rt.storage_key, namespace, matches)
        if not resource_version or resource_version == "0":
            backlog = [WatchEvent(self.rv, rt.storage_key, o["metadata"].get("namespace", ""), "ADDED", o)
                       for o in self.list(rt, namespace)]
        else:
            try:
                since = int(resource_version)
            except ValueError:
                raise ApiError(400, "BadRequest", f"invalid resource version {resource_version!r}") from None
            if since < self.floor:
                raise ApiError(410, "Expired", f"too old resource version: {since} ({self.floor})")
            backlog = [e for e in self.history if e.rv > since and e.key == rt.storage_key
                       and (namespace is None or e.namespace == namespace)]
        self.watchers.setdefault(rt.storage_key, set()).add(watcher)
        return watcher, backlog

    def close_watch(self, watcher: Watcher) -> None:
        self.watchers.get(watcher.key, set()).discard(watcher)

    def compact(self) -> int:
        """Drop the history: resuming from any version before now gets 410."""
        self.history.clear()
        self.floor = self.rv
        return self.rv
