"""The route engine: load -> plan (edits) -> validate -> diff -> server dry-run -> apply, for CLI and TUI.

Loads the VirtualService and DestinationRule of a host (networking.istio.io/v1, or
v1beta1 on Istio < 1.22); a plan is a list of typed edits applied on top of what is in
the cluster, validated with Istio's rules (an error the cluster already had is only a
warning: the edit did not cause it). Apply creates what is missing (labelled as
meshtui's), records the original spec on first touch so `reset` can restore it, dry-runs
every object on the server with strict field validation, then writes with the object's
resourceVersion, so a concurrent writer gets a 409: the engine then re-reads, says
whether the other writer was meshtui itself, and re-plans the same edits on top for the
caller to confirm. Every write is recorded in the undo history (see `history`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from typing import Any

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for
from meshtui.domain import routes as R
from meshtui.domain.errors import MeshtuiError, UsageError
from meshtui.domain.routes.edits import Edit, Operation
from meshtui.domain.routes.inputs import namespace_problem, quoted
from meshtui.services.guard import Guard
from meshtui.services.routes.model import (
    ANNOTATION_LIMIT,
    GROUP,
    ApplyResult,
    EditRejected,
    HostSummary,
    InvalidRoutes,
    Loaded,
    NameTaken,
    OriginalTooLarge,
    Plan,
    RouteConflict,
    annotation_bytes,
    managed,
    resource_version,
    summarize,
)
from meshtui.services.routes.planning import plan_edits
from meshtui.services.routes.reset import RouteReset
from meshtui.services.routes.watch import RouteWatch
from meshtui.services.undo import ObjectChange, UndoStore


class RouteService(RouteReset):
    """Reads and writes the routes of hosts in one cluster."""

    def __init__(self, kube: KubeClient, guard: Guard, undo: UndoStore | None = None) -> None:
        super().__init__(undo)
        self.kube = kube
        self.guard = guard
        self._version: str | None = None
        self._watches: list[RouteWatch] = []

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

    def _path(self, plural: str, namespace: str | None, name: str | None = None) -> str:
        return path_for(GROUP, self.version, plural, namespace, name)

    def namespace(self, namespace: str | None) -> str:
        """`namespace`, or the context's (default `default`); a name that cannot be one is bad input."""
        ns = (self.kube.context.namespace or "default") if namespace is None else namespace
        problem = namespace_problem(ns)
        if problem is not None:
            raise UsageError(f"namespace {quoted(ns)}: {problem}", hint="kubectl get namespaces lists them")
        return ns

    def check_namespace(self, namespace: str) -> None:
        """UsageError naming the namespace when it does not exist (lists in it would just be empty)."""
        try:
            self.kube.get(path_for("", "v1", "namespaces", name=namespace))
        except KubeApiError as exc:
            if exc.status == 404:
                raise UsageError(f"no namespace {quoted(namespace)} in this cluster",
                                 hint="kubectl get namespaces lists them; -n chooses one") from None
            if exc.status != 403:  # may not read namespaces: the lists below still say what is there
                raise

    # -- reading -----------------------------------------------------------------------
    def namespaces(self) -> list[str]:
        """Namespaces a user may route in (kube-* left out)."""
        items = self.kube.get(path_for("", "v1", "namespaces")).get("items", [])
        names = sorted(str(n["metadata"]["name"]) for n in items)
        return [n for n in names if n not in ("kube-system", "kube-public", "kube-node-lease")]

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
        found = {str((p["metadata"].get("labels") or {}).get("version") or "") for p in pods}
        return sorted(found - {""})

    @staticmethod
    def _pick(plural: str, items: list[dict], host: str, namespace: str) -> dict | None:
        for obj in sorted(items, key=lambda o: o["metadata"].get("creationTimestamp", "")):
            spec = obj.get("spec") or {}
            if plural == "virtualservices":
                if "mesh" in (spec.get("gateways") or ["mesh"]) and \
                        any(R.same_host(str(h), host, namespace) for h in spec.get("hosts") or []):
                    return obj
            elif R.same_host(str(spec.get("host", "")), host, namespace):
                return obj
        return None

    def _find(self, plural: str, namespace: str, host: str) -> dict | None:
        return self._pick(plural, self.kube.get(self._path(plural, namespace)).get("items", []), host, namespace)

    def load(self, host: str, namespace: str | None = None, *, history: bool = False) -> Loaded:
        """The host's routes in the cluster; with `history`, also its undo depth (reads the history file)."""
        ns = self.namespace(namespace)
        vs, dr = self._find("virtualservices", ns, host), self._find("destinationrules", ns, host)
        versions = self.versions(host, ns)
        if vs is None and dr is None and not versions:
            self.check_namespace(ns)
            raise UsageError(f"no service {quoted(host)} with versioned pods, VirtualService or DestinationRule in {ns}",
                             hint="meshtui routes list shows the hosts")
        routes = R.Routes(host, ns, copy.deepcopy(vs.get("spec")) if vs else None,
                          copy.deepcopy(dr.get("spec")) if dr else None, versions)
        loaded = Loaded(routes, vs, dr)
        if history:
            loaded.undo_depth, loaded.notices = self.undo_depth(host, ns)
        return loaded

    def hosts(self, namespace: str | None = None) -> list[HostSummary]:
        ns = self.namespace(namespace)
        self.check_namespace(ns)
        services = self.kube.get(path_for("", "v1", "services", ns)).get("items", [])
        virtual = self.kube.get(self._path("virtualservices", ns)).get("items", [])
        rules = self.kube.get(self._path("destinationrules", ns)).get("items", [])
        names = {s["metadata"]["name"] for s in services if (s.get("spec") or {}).get("selector")}
        for obj in virtual:
            if "mesh" in ((obj.get("spec") or {}).get("gateways") or ["mesh"]):
                names.update(str(h).split(".")[0] for h in (obj.get("spec") or {}).get("hosts") or [] if h != "*")
        out = []
        for name in sorted(names):
            vs, dr = self._pick("virtualservices", virtual, name, ns), self._pick("destinationrules", rules, name, ns)
            versions = self.versions(name, ns)
            if not versions and vs is None and dr is None:
                continue
            out.append(summarize(R.Routes(name, ns, (vs or {}).get("spec"), (dr or {}).get("spec"), versions),
                                 vs, dr))
        return out

    def watch(self, namespace: str, on_change: Callable[[], None]) -> RouteWatch:
        """Live VirtualServices and DestinationRules of a namespace; `on_change` runs on a feed thread."""
        watch = RouteWatch(self.kube, [self._path(p, namespace) for p in ("virtualservices", "destinationrules")],
                           on_change).start()
        self._watches.append(watch)
        return watch

    def close(self) -> None:
        for watch in self._watches:
            watch.close()
        self._watches.clear()

    # -- planning ----------------------------------------------------------------------
    def plan_edits(self, loaded: Loaded, edits: Sequence[Edit]) -> Plan:
        """Apply `edits` on top of what is in the cluster and validate (pure: no request)."""
        return plan_edits(loaded, edits)

    def plan(self, loaded: Loaded, operation: Callable[..., R.Routes], *args: Any, **kwargs: Any) -> Plan:
        """Run one `domain.routes` operation on the loaded routes (what tours use)."""
        return self.plan_edits(loaded, [Operation(operation, args, tuple(kwargs.items()))])

    def replan(self, plan: Plan) -> Plan:
        """The same edits on top of the cluster's routes as they are now."""
        routes = plan.loaded.routes
        return self.plan_edits(self.load(routes.host, routes.namespace), plan.edits)

    # -- applying ----------------------------------------------------------------------
    def _object(self, kind: str, existing: dict | None, spec: dict, host: str, ns: str) -> dict:
        if existing is not None:
            obj = copy.deepcopy(existing)
            annotations = obj["metadata"].setdefault("annotations", {})
            if not managed(existing) and R.ORIGINAL_ANNOTATION not in annotations:
                annotations[R.ORIGINAL_ANNOTATION] = json.dumps(existing.get("spec") or {}, sort_keys=True)
                size = annotation_bytes(annotations)
                if size > ANNOTATION_LIMIT:
                    raise OriginalTooLarge(kind, ns, obj["metadata"]["name"], size, ANNOTATION_LIMIT)
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
            return dict(self.kube.request("PUT", self._path(plural, ns, name), query=query, body=obj))
        return dict(self.kube.request("POST", self._path(plural, ns), query=query, body=obj))

    def apply(self, plan: Plan, *, dry_run: bool = False) -> ApplyResult:
        """Validate, dry-run every object on the server, then write (DR first: the VS may use new subsets)."""
        host = plan.loaded.routes.host
        if plan.errors:
            raise InvalidRoutes(host, plan.errors)
        if not plan.changed:
            return ApplyResult(plan, False)
        routes, loaded = plan.after, plan.loaded
        # a server-side dry run writes nothing, but it reaches the cluster's admission chain and audit log
        # like a write: the guard refuses it where it would refuse the write
        self.guard.check(f"change routes of {routes.namespace}/{routes.host}", dry_run=dry_run)
        writes = []
        if routes.dr != loaded.routes.dr and routes.dr is not None:
            writes.append(("DestinationRule", "destinationrules", loaded.dr_obj, routes.dr))
        if routes.vs != loaded.routes.vs and routes.vs is not None:
            writes.append(("VirtualService", "virtualservices", loaded.vs_obj, routes.vs))
        objects = [(kind, plural, self._object(kind, existing, spec, routes.host, routes.namespace), existing)
                   for kind, plural, existing, spec in writes]
        for _, plural, obj, existing in objects:
            self._guarded_write(plan, plural, obj, existing, dry_run=True)
        if dry_run:
            return ApplyResult(plan, False)
        store = self.store()
        store.check_writable()  # a change that could not be undone is not made
        written: list[ObjectChange] = []
        notices: list[str] = []
        try:
            for kind, plural, obj, existing in objects:
                written.append(self.change(kind, existing, self._guarded_write(plan, plural, obj, existing,
                                                                                dry_run=False)))
        finally:
            if written:
                notices = self.record(routes.namespace, routes.host, written, self._action(plan))
        return ApplyResult(plan, True, store.take_notices() + notices)

    @staticmethod
    def _action(plan: Plan) -> str:
        return ", ".join(e.summary() for e in plan.edits)

    def _guarded_write(self, plan: Plan, plural: str, obj: dict, existing: dict | None, *, dry_run: bool) -> dict:
        try:
            return self._write(plural, obj, existing is not None, dry_run)
        except KubeApiError as exc:
            if exc.status == 409:
                if existing is None:
                    self._check_name(plural, obj)
                raise self._conflict(plan) from None
            if exc.status == 422:
                raise UsageError(f"the API server rejected the change: {exc.api_message}") from None
            raise

    def _check_name(self, plural: str, obj: dict) -> None:
        """A create refused with 409: NameTaken when the name belongs to an object for another host."""
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        try:
            taken = self.kube.get(self._path(plural, ns, name))
        except KubeApiError as exc:
            if exc.status == 404:
                return  # gone again: a plain conflict, re-read and re-planned
            raise
        spec = taken.get("spec") or {}
        hosts = [str(h) for h in spec.get("hosts") or []] if plural == "virtualservices" else \
            [str(spec.get("host", ""))]
        if not any(R.same_host(h, name, ns) for h in hosts):
            kind = "VirtualService" if plural == "virtualservices" else "DestinationRule"
            raise NameTaken(kind, ns, name, ", ".join(hosts) or "no host")

    def _conflict(self, plan: Plan) -> RouteConflict:
        old = plan.loaded
        current = self.load(old.routes.host, old.routes.namespace)
        theirs = R.diff(old.routes, current.routes, ("when read", "now"), current.names) or "(only metadata changed)"
        changed = [obj for before, obj in ((old.vs_obj, current.vs_obj), (old.dr_obj, current.dr_obj))
                   if resource_version(before) != resource_version(obj) and obj is not None]
        by_meshtui = bool(changed) and all(self.wrote(obj) for obj in changed)
        replanned, error = None, None
        if plan.edits:
            try:
                replanned = self.plan_edits(current, plan.edits)
            except EditRejected as exc:
                error = exc.message
        return RouteConflict(old.routes.host, theirs, current.vs_obj or current.dr_obj, replanned=replanned,
                             by_meshtui=by_meshtui, replan_error=error)
