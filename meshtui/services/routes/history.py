"""Undo, reset and restore: putting routes back without discarding anyone else's change.

Every meshtui write is recorded (`record`) with the spec before and the spec, uid and
resourceVersion meshtui wrote, under the cluster's identity. `undo` restores the spec
before only if each object still holds exactly what meshtui wrote; otherwise it refuses
and shows what changed since (`--force` restores anyway). The records also let the
engine tell meshtui's own later writes (a tour's show-me, another panel) from someone
else's when a write meets a 409.
"""

from __future__ import annotations

import copy
import json
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
    managed,
    resource_version,
    touched,
)
from meshtui.services.undo import ObjectChange, UndoEntry, UndoStore

PLURALS = {"VirtualService": "virtualservices", "DestinationRule": "destinationrules"}


@dataclass
class UndoResult:
    routes: R.Routes
    """The routes after the undo (or, for a preview, as they would be)."""
    lines: list[str]
    diff: str = ""
    notices: list[str] = field(default_factory=list)


def _uid(obj: dict | None) -> str | None:
    return ((obj or {}).get("metadata") or {}).get("uid")


class RouteHistory:
    """The undo/reset half of `RouteService` (which provides `kube`, `guard`, `load` and `_path`)."""

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

    @property
    def version(self) -> str:
        raise NotImplementedError

    def store(self) -> UndoStore:
        """The history of this cluster (its identity is read once, on first use)."""
        if self._store is None:
            self._identity = cluster_identity(self.kube)
            self._store = self._undo_file.for_cluster(self._identity.key, self._identity.label)
        return self._store

    def record(self, namespace: str, host: str, written: list[tuple[str, dict | None, dict]], action: str) -> None:
        """Remember a write: (kind, the object before, the object the server returned) for each object."""
        changes = []
        for kind, before, after in written:
            self._own.add((_uid(after), resource_version(after)))
            changes.append(ObjectChange(kind=kind, name=after["metadata"]["name"], existed=before is not None,  # type: ignore[arg-type]
                                        before=copy.deepcopy((before or {}).get("spec")) if before else None,
                                        after=copy.deepcopy(after.get("spec")), uid=_uid(after),
                                        resource_version=resource_version(after)))
        self.store().push(namespace, host, UndoEntry(at=time.time(), action=action, objects=changes))

    def wrote(self, obj: dict) -> bool:
        """Whether `obj` (as it is now) is exactly what meshtui last wrote."""
        key = (_uid(obj), resource_version(obj))
        if key in self._own:
            return True
        spec = obj.get("spec") or {}
        host = spec.get("host") or next(iter(spec.get("hosts") or []), "")
        entry = self.store().peek(obj["metadata"]["namespace"], str(host).split(".")[0])
        return entry is not None and any((c.uid, c.resource_version) == key for c in entry.objects)

    # -- writes ------------------------------------------------------------------------
    def _put_spec(self, kind: str, ns: str, name: str, spec: dict | None, current: dict | None) -> str:
        plural = PLURALS[kind]
        query = {"fieldManager": "meshtui"}
        if spec is None:
            if current is None:
                return f"{plural}/{name} already gone"
            self.kube.request("DELETE", self._path(plural, ns, name))
            return f"deleted {plural}/{name}"
        if current is None:
            body = {"apiVersion": f"{GROUP}/{self.version}", "kind": kind,
                    "metadata": {"name": name, "namespace": ns}, "spec": spec}
            result = self.kube.request("POST", self._path(plural, ns), query=query, body=body)
            self._own.add((_uid(result), resource_version(result)))
            return f"re-created {plural}/{name}"
        obj = copy.deepcopy(current)
        obj["spec"] = spec
        obj.pop("status", None)
        result = self.kube.request("PUT", self._path(plural, ns, name), query=query, body=obj)
        self._own.add((_uid(result), resource_version(result)))
        return f"restored {plural}/{name}"

    def undo(self, host: str, namespace: str | None = None, *, force: bool = False,
             preview: bool = False) -> UndoResult:
        """Restore the specs from before meshtui's last change to `host`, if nobody changed them since.

        With `preview`, nothing is written: the result says what would be restored, and the diff.
        """
        ns = namespace or self.kube.context.namespace or "default"
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
        drift = []
        for change in entry.objects:
            now = current[change.kind]
            label = f"{change.kind} {ns}/{change.name}"
            if now is None or now["metadata"]["name"] != change.name:
                drift.append(f"{label}: deleted since meshtui wrote it")
            elif change.uid and _uid(now) != change.uid:
                drift.append(f"{label}: deleted and re-created since meshtui wrote it")
            elif (now.get("spec") or {}) != (change.after or {}):
                drift.append(R.spec_diff(label, change.after, now.get("spec")))
        if drift and not force:
            raise UndoRefused(host, "\n".join(drift))
        after = loaded.routes.copy()
        for change in entry.objects:
            spec = copy.deepcopy(change.before) if change.existed else None
            if change.kind == "VirtualService":
                after.vs = spec
            else:
                after.dr = spec
        diff = R.diff(loaded.routes, after)
        if preview:
            return UndoResult(after, [f"restore {c.kind} {ns}/{c.name}" if c.existed else
                                      f"delete {c.kind} {ns}/{c.name} (meshtui created it)" for c in entry.objects],
                              diff, notices)
        lines = []
        for change in sorted(entry.objects, key=lambda c: c.kind != "VirtualService"):
            now = current[change.kind]
            spec = change.before if change.existed else None
            lines.append(self._put_spec(change.kind, ns, change.name, spec, now))
        store.pop(ns, host, entry)
        return UndoResult(self.load(host, ns).routes, lines, diff, notices + store.take_notices())

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
            self._put_spec(kind, namespace, name, spec if existed else None, obj)

    def reset_actions(self, loaded: Loaded) -> list[str]:
        """What `reset` would do to this host (for the question before it)."""
        out = []
        for plural, obj in (("virtualservices", loaded.vs_obj), ("destinationrules", loaded.dr_obj)):
            if obj is not None and managed(obj):
                out.append(f"delete {plural}/{obj['metadata']['name']} (created by meshtui)")
            elif obj is not None and touched(obj):
                out.append(f"restore {plural}/{obj['metadata']['name']} to its spec before meshtui")
        return out

    def reset(self, host: str, namespace: str | None = None) -> list[str]:
        """Back to before meshtui: created objects deleted, touched ones restored, the undo history dropped."""
        ns = namespace or self.kube.context.namespace or "default"
        self.guard.check(f"reset routes of {ns}/{host}")
        loaded = self.load(host, ns)
        done = []
        for kind, obj in (("VirtualService", loaded.vs_obj), ("DestinationRule", loaded.dr_obj)):
            if obj is None:
                continue
            name, plural = obj["metadata"]["name"], PLURALS[kind]
            if managed(obj):
                self.kube.request("DELETE", self._path(plural, ns, name))
                done.append(f"deleted {plural}/{name} (created by meshtui)")
            elif touched(obj):
                restored = copy.deepcopy(obj)
                restored["spec"] = json.loads(obj["metadata"]["annotations"][R.ORIGINAL_ANNOTATION])
                del restored["metadata"]["annotations"][R.ORIGINAL_ANNOTATION]
                restored.pop("status", None)
                result = self.kube.request("PUT", self._path(plural, ns, name), body=restored)
                self._own.add((_uid(result), resource_version(result)))
                done.append(f"restored {plural}/{name} to its spec before meshtui")
        self.store().clear(ns, host)
        return done

    def managed_hosts(self, namespace: str | None = None) -> list[tuple[str, str]]:
        """(namespace, host) of everything meshtui created or changed (all namespaces if none given)."""
        out: set[tuple[str, str]] = set()
        for plural in ("virtualservices", "destinationrules"):
            path = self._path(plural, namespace) if namespace else f"/apis/{GROUP}/{self.version}/{plural}"
            for obj in self.kube.get(path).get("items", []):
                if not (managed(obj) or touched(obj)):
                    continue
                spec = obj.get("spec") or {}
                hosts = spec.get("hosts") or [spec.get("host", "")]
                ns = obj["metadata"]["namespace"]
                out.update((ns, str(h).split(".")[0]) for h in hosts if h and h != "*")
        return sorted(out)
