"""Undo and restore: putting routes back without discarding anyone else's change.

Every meshtui write (an apply, a reset) is recorded (`record`) with the spec before and
the spec, uid and resourceVersion meshtui wrote, under the cluster's identity. `undo`
restores the spec before only if each object still holds exactly what meshtui wrote
(or, for an object meshtui deleted, is still gone); otherwise it refuses and shows what
changed since (`--force` restores anyway). The records also let the engine tell
meshtui's own later writes (a tour's show-me, another panel) from someone else's when a
write meets a 409. A preview writes nothing and so needs no clearance from the guard.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

from meshtui.adapters.kube import KubeClient
from meshtui.domain import routes as R
from meshtui.services.guard import Guard
from meshtui.services.routes.identity import ClusterIdentity, cluster_identity
from meshtui.services.routes.model import (
    GROUP,
    Loaded,
    UndoRefused,
    UndoUnavailable,
    resource_version,
)
from meshtui.services.undo import HistoryUnavailable, ObjectChange, UndoEntry, UndoStore

PLURALS = {"VirtualService": "virtualservices", "DestinationRule": "destinationrules"}


@dataclass
class UndoResult:
    routes: R.Routes
    """The routes after the undo (or, for a preview, as they would be)."""
    lines: list[str]
    diff: str = ""
    notices: list[str] = field(default_factory=list)
    action: str = ""
    """What the undone change was (`SetWeights`, `reset`, ...)."""


def uid_of(obj: dict | None) -> str | None:
    return ((obj or {}).get("metadata") or {}).get("uid")


class RouteHistory:
    """The undo half of `RouteService` (which provides `kube`, `guard`, `load` and `_path`)."""

    kube: KubeClient
    guard: Guard

    def __init__(self, undo: UndoStore | None = None) -> None:
        self._undo_file = undo or UndoStore()
        self._identity: ClusterIdentity | None = None
        self._store: UndoStore | None = None
        self._own: set[tuple[str | None, str | None]] = set()

    # provided by RouteService
    def load(self, host: str, namespace: str | None = None, *, history: bool = False) -> Loaded:
        raise NotImplementedError

    def _path(self, plural: str, namespace: str | None, name: str | None = None) -> str:
        raise NotImplementedError

    def namespace(self, namespace: str | None) -> str:
        raise NotImplementedError

    @property
    def version(self) -> str:
        raise NotImplementedError

    def store(self) -> UndoStore:
        """The history of this cluster (its identity is read once, on first use)."""
        if self._store is None:
            self._identity = cluster_identity(self.kube)
            self._store = self._undo_file.for_cluster(self._identity.key, self._identity.label)
        return self._store

    def undo_depth(self, host: str, namespace: str | None = None) -> tuple[int, list[str]]:
        """How many changes of `host` can be undone, and notices (a history moved aside, one unusable)."""
        store = self.store()
        try:
            depth = store.depth(self.namespace(namespace), host)
        except HistoryUnavailable as exc:
            return 0, [exc.message]
        return depth, store.take_notices()

    def record(self, namespace: str, host: str, changes: list[ObjectChange], action: str) -> list[str]:
        """Remember a write; returns notices (the history could not be written: the change stands, unrecorded)."""
        for change in changes:
            self._own.add((change.uid, change.resource_version))
        try:
            self.store().push(namespace, host, UndoEntry(at=time.time(), action=action, objects=changes))
        except HistoryUnavailable as exc:
            return [f"the change was written, but it could not be recorded for undo: {exc.message}"]
        return []

    @staticmethod
    def change(kind: str, before: dict | None, after: dict | None, **extra: object) -> ObjectChange:
        """The record of one object written (`after` is what the server returned; None when deleted)."""
        name = (after or before or {}).get("metadata", {}).get("name", "")
        return ObjectChange(kind=kind, name=name, existed=before is not None,  # type: ignore[arg-type]
                            before=copy.deepcopy((before or {}).get("spec")) if before else None,
                            after=copy.deepcopy(after.get("spec")) if after is not None else None,
                            uid=uid_of(after if after is not None else before),
                            resource_version=resource_version(after), **extra)  # type: ignore[arg-type]

    def wrote(self, obj: dict) -> bool:
        """Whether `obj` (as it is now) is exactly what meshtui last wrote."""
        key = (uid_of(obj), resource_version(obj))
        if key in self._own:
            return True
        spec = obj.get("spec") or {}
        host = spec.get("host") or next(iter(spec.get("hosts") or []), "")
        try:
            history = self.store().entries(obj["metadata"]["namespace"], str(host).split(".")[0])
        except HistoryUnavailable:
            return False
        kind, name = obj.get("kind"), obj["metadata"].get("name")
        for entry in reversed(history):  # meshtui's newest write of this object, whatever it wrote since
            for change in entry.objects:
                if change.kind == kind and change.name == name:
                    return (change.uid, change.resource_version) == key
        return False

    # -- writes ------------------------------------------------------------------------
    def _put_spec(self, change: ObjectChange, ns: str, spec: dict | None, current: dict | None) -> str:
        plural, name = PLURALS[change.kind], change.name
        query = {"fieldManager": "meshtui"}
        if spec is None:
            if current is None:
                return f"{plural}/{name} already gone"
            self.kube.request("DELETE", self._path(plural, ns, name))
            return f"deleted {plural}/{name}"
        if current is None:
            metadata: dict = {"name": name, "namespace": ns}
            if change.managed:
                metadata["labels"] = {R.MANAGED_LABEL: R.MANAGED_VALUE}
            if change.original is not None:
                metadata["annotations"] = {R.ORIGINAL_ANNOTATION: change.original}
            body = {"apiVersion": f"{GROUP}/{self.version}", "kind": change.kind, "metadata": metadata, "spec": spec}
            result = self.kube.request("POST", self._path(plural, ns), query=query, body=body)
            self._own.add((uid_of(result), resource_version(result)))
            return f"re-created {plural}/{name}"
        obj = copy.deepcopy(current)
        obj["spec"] = spec
        obj.pop("status", None)
        if change.original is not None:
            obj["metadata"].setdefault("annotations", {})[R.ORIGINAL_ANNOTATION] = change.original
        result = self.kube.request("PUT", self._path(plural, ns, name), query=query, body=obj)
        self._own.add((uid_of(result), resource_version(result)))
        return f"restored {plural}/{name}"

    @staticmethod
    def _drift(change: ObjectChange, now: dict | None, label: str) -> str | None:
        """What changed since meshtui wrote this object (None: nothing)."""
        if change.after is None:
            return None if now is None else f"{label}: re-created since meshtui deleted it"
        if now is None or now["metadata"]["name"] != change.name:
            return f"{label}: deleted since meshtui wrote it"
        if change.uid and uid_of(now) != change.uid:
            return f"{label}: deleted and re-created since meshtui wrote it"
        if (now.get("spec") or {}) != (change.after or {}):
            return R.spec_diff(label, change.after, now.get("spec"), ("as meshtui wrote it", "now"))
        return None

    def undo(self, host: str, namespace: str | None = None, *, force: bool = False,
             preview: bool = False) -> UndoResult:
        """Restore the specs from before meshtui's last change to `host`, if nobody changed them since.

        With `preview`, nothing is written: the result says what would be restored, and the diff.
        """
        ns = self.namespace(namespace)
        if not preview:
            self.guard.check(f"undo routes of {ns}/{host}")
        loaded = self.load(host, ns)
        store = self.store()
        entry = store.peek(ns, host)
        notices = store.take_notices()
        if entry is None:
            raise UndoUnavailable(f"nothing to undo for {ns}/{host} in this cluster" +
                                  (f" ({notices[0]})" if notices else ""),
                                  hint="meshtui records the changes it makes; `routes reset` goes back to before "
                                       "meshtui")
        current = {"VirtualService": loaded.vs_obj, "DestinationRule": loaded.dr_obj}
        drift = [d for c in entry.objects if (d := self._drift(c, current[c.kind], f"{c.kind} {ns}/{c.name}"))]
        if drift and not force:
            raise UndoRefused(host, "\n".join(drift))
        after = loaded.routes.copy()
        for change in entry.objects:
            spec = copy.deepcopy(change.before) if change.existed else None
            if change.kind == "VirtualService":
                after.vs = spec
            else:
                after.dr = spec
        diff = R.diff(loaded.routes, after, names=loaded.names)
        if preview:
            return UndoResult(after, [f"restore {c.kind} {ns}/{c.name}" if c.existed else
                                      f"delete {c.kind} {ns}/{c.name} (meshtui created it)" for c in entry.objects],
                              diff, notices, entry.action)
        lines = []
        for change in sorted(entry.objects, key=lambda c: c.kind != "DestinationRule"):
            lines.append(self._put_spec(change, ns, change.before if change.existed else None, current[change.kind]))
        store.pop(ns, host, entry)
        return UndoResult(self.load(host, ns).routes, lines, diff, notices + store.take_notices(), entry.action)

    def restore(self, host: str, namespace: str, vs: dict | None, dr: dict | None, *, vs_existed: bool,
                dr_existed: bool) -> None:
        """Write back recorded specs (a tour's baseline); objects that did not exist are deleted."""
        self.guard.check(f"restore routes of {namespace}/{host}")
        loaded = self.load(host, namespace)
        for kind, spec, existed, obj in (("VirtualService", vs, vs_existed, loaded.vs_obj),
                                         ("DestinationRule", dr, dr_existed, loaded.dr_obj)):
            if obj is None and (not existed or spec is None):
                continue
            name = obj["metadata"]["name"] if obj is not None else host
            change = ObjectChange(kind=kind, name=name, existed=existed, before=spec, after=None)  # type: ignore[arg-type]
            self._put_spec(change, namespace, spec if existed else None, obj)
