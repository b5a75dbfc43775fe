"""Route edits against a cluster: load -> change -> validate -> dry-run -> apply, safely.

Loads the VirtualService and DestinationRule of a host (networking.istio.io/v1, or
v1beta1 on Istio < 1.22), creates what is missing (labelled as meshtui's), records the
original spec on first touch so `reset` can restore it, validates (meshtui's rules,
then the API server's own with a server-side dry run and strict field validation),
writes with the object's resourceVersion so a concurrent writer gets a 409 and is
shown instead of clobbered, and keeps an undo stack per host in the state directory.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for
from meshtui.domain import routes as R
from meshtui.domain.errors import Conflict, MeshtuiError, UsageError
from meshtui.services.guard import Guard
from meshtui.services.undo import UndoStore

GROUP = "networking.istio.io"


class RouteConflict(Conflict):
    """Someone else changed the routes between our read and our write (HTTP 409)."""

    def __init__(self, host: str, their_change: str, current: Any) -> None:
        super().__init__(f"{host}: the routes changed since they were read; nothing was written",
                         current=current,
                         hint="review the other change below; run the command again to apply yours on top of it")
        self.their_change = their_change


@dataclass
class Loaded:
    """Routes plus the objects they came from (None when missing)."""

    routes: R.Routes
    vs_obj: dict | None = None
    dr_obj: dict | None = None


@dataclass
class Plan:
    """What an apply will do, for the preview."""

    loaded: Loaded
    after: R.Routes
    findings: list[R.Finding] = field(default_factory=list)

    @property
    def diff(self) -> str:
        return R.diff(self.loaded.routes, self.after)

    @property
    def errors(self) -> list[R.Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def changed(self) -> bool:
        return self.loaded.routes.vs != self.after.vs or self.loaded.routes.dr != self.after.dr


@dataclass(frozen=True)
class HostSummary:
    namespace: str
    host: str
    versions: list[str]
    virtual_service: str | None
    destination_rule: str | None
    weights: dict[str, int]
    rules: int
    managed: bool
    touched: bool


def _managed(obj: dict | None) -> bool:
    return bool(obj) and (obj.get("metadata", {}).get("labels") or {}).get(R.MANAGED_LABEL) == R.MANAGED_VALUE


def _touched(obj: dict | None) -> bool:
    return bool(obj) and R.ORIGINAL_ANNOTATION in (obj.get("metadata", {}).get("annotations") or {})


class RouteService:
    """Reads and writes the routes of hosts in one cluster."""

    def __init__(self, kube: KubeClient, guard: Guard, undo: UndoStore | None = None) -> None:
        self.kube = kube
        self.guard = guard
        self.undo_store = undo or UndoStore(kube.context.name)
        self._version: str | None = None

    @property
    def version(self) -> str:
        """v1 when served (Istio >= 1.22), else v1beta1."""
        if self._version is None:
            try:
                group = self.kube.get(f"/apis/{GROUP}")
                versions = [v.get("version") for v in group.get("versions", [])]
                self._version = "v1" if "v1" in versions else "v1beta1"
            except KubeApiError as exc:
                if exc.status == 404:
                    raise MeshtuiError("Istio is not installed on this cluster (no networking.istio.io API)",
                                       hint="meshtui up installs it") from None
                raise
        return self._version

    def _path(self, plural: str, namespace: str, name: str | None = None) -> str:
        return path_for(GROUP, self.version, plural, namespace, name)

    def namespace(self, namespace: str | None) -> str:
        return namespace or self.kube.context.namespace or "default"

    # -- reading -----------------------------------------------------------------------
    def versions(self, host: str, namespace: str) -> list[str]:
        try:
            service = self.kube.get(path_for("", "v1", "services", namespace, host))
        except KubeApiError as exc:
            if exc.status == 404:
                return []
            raise
        selector = (service.get("spec") or {}).get("selector") or {}
        if not selector:
            return []
        label = ",".join(f"{k}={v}" for k, v in selector.items())
        pods = self.kube.get(path_for("", "v1", "pods", namespace), labelSelector=label).get("items", [])
        return sorted({(p["metadata"].get("labels") or {}).get("version") for p in pods} - {None, ""})

    def _find(self, plural: str, namespace: str, host: str) -> dict | None:
        items = self.kube.get(self._path(plural, namespace)).get("items", [])
        for obj in sorted(items, key=lambda o: o["metadata"].get("creationTimestamp", "")):
            spec = obj.get("spec") or {}
            if plural == "virtualservices":
                gateways = spec.get("gateways") or ["mesh"]
                if "mesh" in gateways and any(R.same_host(h, host, namespace) for h in spec.get("hosts") or []):
                    return obj
            elif R.same_host(spec.get("host", ""), host, namespace):
                return obj
        return None

    def load(self, host: str, namespace: str | None = None) -> Loaded:
        ns = self.namespace(namespace)
        vs, dr = self._find("virtualservices", ns, host), self._find("destinationrules", ns, host)
        versions = self.versions(host, ns)
        if vs is None and dr is None and not versions:
            raise UsageError(f"no service {host!r} with versioned pods, VirtualService or DestinationRule in {ns}",
                             hint="meshtui routes list shows the hosts")
        routes = R.Routes(host, ns, copy.deepcopy(vs.get("spec")) if vs else None,
                          copy.deepcopy(dr.get("spec")) if dr else None, versions)
        return Loaded(routes, vs, dr)

    def hosts(self, namespace: str | None = None) -> list[HostSummary]:
        ns = self.namespace(namespace)
        services = self.kube.get(path_for("", "v1", "services", ns)).get("items", [])
        virtual = self.kube.get(self._path("virtualservices", ns)).get("items", [])
        rules = self.kube.get(self._path("destinationrules", ns)).get("items", [])
        names = {s["metadata"]["name"] for s in services if (s.get("spec") or {}).get("selector")}
        for obj in virtual:
            if "mesh" in ((obj.get("spec") or {}).get("gateways") or ["mesh"]):
                names.update(h.split(".")[0] for h in (obj.get("spec") or {}).get("hosts") or [] if h != "*")
        out = []
        for name in sorted(names):
            vs = next((v for v in virtual if "mesh" in ((v.get("spec") or {}).get("gateways") or ["mesh"])
                       and any(R.same_host(h, name, ns) for h in (v.get("spec") or {}).get("hosts") or [])), None)
            dr = next((d for d in rules if R.same_host((d.get("spec") or {}).get("host", ""), name, ns)), None)
            versions = self.versions(name, ns)
            if not versions and vs is None and dr is None:
                continue
            routes = R.Routes(name, ns, (vs or {}).get("spec"), (dr or {}).get("spec"), versions)
            out.append(HostSummary(ns, name, versions, vs["metadata"]["name"] if vs else None,
                                   dr["metadata"]["name"] if dr else None, routes.weights(),
                                   len(((vs or {}).get("spec") or {}).get("http") or []),
                                   _managed(vs) or _managed(dr), _touched(vs) or _touched(dr)))
        return out

    # -- planning ----------------------------------------------------------------------
    def plan(self, loaded: Loaded, operation: Any, *args: Any, **kwargs: Any) -> Plan:
        """Run an operation from `domain.routes` on the loaded routes and validate the result."""
        base = loaded.routes
        if base.dr is None and base.versions:
            base = base.copy()
            base.dr = R.subsets_from_versions(base.host, base.versions)
        try:
            after = operation(base, *args, **kwargs)
        except R.RouteError as exc:
            raise UsageError(str(exc)) from None
        return Plan(loaded, after, R.validate(after))

    def _object(self, kind: str, plural: str, existing: dict | None, spec: dict, host: str, ns: str) -> dict:
        if existing is not None:
            obj = copy.deepcopy(existing)
            annotations = obj["metadata"].setdefault("annotations", {})
            if not _managed(existing) and R.ORIGINAL_ANNOTATION not in annotations:
                annotations[R.ORIGINAL_ANNOTATION] = json.dumps(existing.get("spec") or {}, sort_keys=True)
            obj["spec"] = spec
            obj.pop("status", None)
            return obj
        return {"apiVersion": f"{GROUP}/{self.version}", "kind": kind,
                "metadata": {"name": host, "namespace": ns, "labels": {R.MANAGED_LABEL: R.MANAGED_VALUE}},
                "spec": spec}

    def _write(self, plural: str, obj: dict, existed: bool, dry_run: bool) -> dict:
        query = {"fieldValidation": "Strict", "fieldManager": "meshtui", "dryRun": "All" if dry_run else None}
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        if existed:
            return self.kube.request("PUT", self._path(plural, ns, name), query=query, body=obj)
        return self.kube.request("POST", self._path(plural, ns), query=query, body=obj)

    def apply(self, plan: Plan, *, dry_run: bool = False) -> Plan:
        """Validate, dry-run on the server, then write (DR first: the VS may reference new subsets)."""
        if plan.errors:
            raise UsageError("; ".join(f.message for f in plan.errors))
        if not plan.changed:
            return plan
        routes, loaded = plan.after, plan.loaded
        self.guard.check(f"change routes of {routes.namespace}/{routes.host}")
        writes = []
        if routes.dr != loaded.routes.dr and routes.dr is not None:
            writes.append(("DestinationRule", "destinationrules", loaded.dr_obj, routes.dr))
        if routes.vs != loaded.routes.vs and routes.vs is not None:
            writes.append(("VirtualService", "virtualservices", loaded.vs_obj, routes.vs))
        objects = [(plural, self._object(kind, plural, existing, spec, routes.host, routes.namespace), existing)
                   for kind, plural, existing, spec in writes]
        for plural, obj, existing in objects:
            self._guarded_write(plural, obj, existing, dry_run=True, host=routes.host)
        if dry_run:
            return plan
        for plural, obj, existing in objects:
            self._guarded_write(plural, obj, existing, dry_run=False, host=routes.host)
        self.undo_store.push(routes.namespace, routes.host, loaded.routes.vs, loaded.routes.dr,
                             vs_existed=loaded.vs_obj is not None, dr_existed=loaded.dr_obj is not None)
        return plan

    def _guarded_write(self, plural: str, obj: dict, existing: dict | None, *, dry_run: bool, host: str) -> None:
        try:
            self._write(plural, obj, existing is not None, dry_run)
        except KubeApiError as exc:
            if exc.status == 409 and existing is not None:
                current = self.kube.get(self._path(plural, obj["metadata"]["namespace"], obj["metadata"]["name"]))
                theirs = R.diff(R.Routes(host, obj["metadata"]["namespace"], existing.get("spec")),
                                R.Routes(host, obj["metadata"]["namespace"], current.get("spec")))
                raise RouteConflict(host, theirs or "(only metadata changed)", current) from None
            if exc.status == 422:
                raise UsageError(f"the API server rejected the change: {exc.api_message}") from None
            raise

    # -- undo and reset ----------------------------------------------------------------
    def _restore(self, plural: str, kind: str, ns: str, host: str, spec: dict | None, existed: bool,
                 current: dict | None) -> None:
        if current is None and spec is None:
            return
        if not existed or spec is None:
            if current is not None:
                self.kube.request("DELETE", self._path(plural, ns, current["metadata"]["name"]))
            return
        if current is None:
            self.kube.request("POST", self._path(plural, ns), body={
                "apiVersion": f"{GROUP}/{self.version}", "kind": kind, "metadata": {"name": host, "namespace": ns},
                "spec": spec})
            return
        obj = copy.deepcopy(current)
        obj["spec"] = spec
        obj.pop("status", None)
        self.kube.request("PUT", self._path(plural, ns, obj["metadata"]["name"]), body=obj)

    def undo(self, host: str, namespace: str | None = None) -> R.Routes:
        """Restore the specs from before the last change meshtui made to `host`."""
        ns = self.namespace(namespace)
        entry = self.undo_store.peek(ns, host)
        if entry is None:
            raise UsageError(f"nothing to undo for {ns}/{host}")
        self.guard.check(f"undo routes of {ns}/{host}")
        loaded = self.load(host, ns)
        self._restore("destinationrules", "DestinationRule", ns, host, entry["dr"], entry["dr_existed"], loaded.dr_obj)
        self._restore("virtualservices", "VirtualService", ns, host, entry["vs"], entry["vs_existed"], loaded.vs_obj)
        self.undo_store.pop(ns, host)
        return self.load(host, ns).routes

    def restore(self, host: str, namespace: str, vs: dict | None, dr: dict | None, *, vs_existed: bool,
                dr_existed: bool) -> None:
        """Write back recorded specs (a tour's baseline); objects that did not exist are deleted."""
        self.guard.check(f"restore routes of {namespace}/{host}")
        loaded = self.load(host, namespace)
        self._restore("destinationrules", "DestinationRule", namespace, host, dr, dr_existed, loaded.dr_obj)
        self._restore("virtualservices", "VirtualService", namespace, host, vs, vs_existed, loaded.vs_obj)

    def reset(self, host: str, namespace: str | None = None) -> list[str]:
        """Back to before meshtui: created objects deleted, touched ones restored."""
        ns = self.namespace(namespace)
        self.guard.check(f"reset routes of {ns}/{host}")
        loaded = self.load(host, ns)
        done = []
        for plural, obj in (("virtualservices", loaded.vs_obj), ("destinationrules", loaded.dr_obj)):
            if obj is None:
                continue
            name = obj["metadata"]["name"]
            if _managed(obj):
                self.kube.request("DELETE", self._path(plural, ns, name))
                done.append(f"deleted {plural}/{name} (created by meshtui)")
            elif _touched(obj):
                restored = copy.deepcopy(obj)
                restored["spec"] = json.loads(obj["metadata"]["annotations"][R.ORIGINAL_ANNOTATION])
                del restored["metadata"]["annotations"][R.ORIGINAL_ANNOTATION]
                restored.pop("status", None)
                self.kube.request("PUT", self._path(plural, ns, name), body=restored)
                done.append(f"restored {plural}/{name} to its spec before meshtui")
        self.undo_store.clear(ns, host)
        return done

    def managed_hosts(self, namespace: str | None = None) -> list[tuple[str, str]]:
        """(namespace, host) of everything meshtui created or changed (all namespaces if none given)."""
        out: set[tuple[str, str]] = set()
        for plural in ("virtualservices", "destinationrules"):
            path = self._path(plural, namespace) if namespace else f"/apis/{GROUP}/{self.version}/{plural}"
            for obj in self.kube.get(path).get("items", []):
                if not (_managed(obj) or _touched(obj)):
                    continue
                spec = obj.get("spec") or {}
                hosts = spec.get("hosts") or [spec.get("host", "")]
                ns = obj["metadata"]["namespace"]
                out.update((ns, h.split(".")[0]) for h in hosts if h and h != "*")
        return sorted(out)
