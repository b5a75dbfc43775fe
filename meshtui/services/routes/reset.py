"""Reset and cleanup: back to the routes before meshtui, shown before, checked, and undoable.

`reset_plan` reads a host and says exactly what a reset would do: the objects meshtui
created are deleted, the ones it changed get back the spec recorded in their
`meshtui.dev/original-spec` annotation. That annotation is text anyone with write access
can change, so it is parsed and validated like any input (a corrupt one stops the reset
with a message naming the object, never a traceback), the result is shown as the same
diff every write prints, and the plan warns about what a user could miss: a change made
after meshtui's last write (the reset discards it too) and traffic that the restored spec
sends to another host. `reset` then writes exactly that plan: DELETEs carry preconditions,
PUTs the resourceVersion read, and the whole reset is recorded so `undo` reverts it.
"""

from __future__ import annotations

import copy
import json

from meshtui.adapters.kube import KubeApiError
from meshtui.domain import routes as R
from meshtui.domain.errors import Conflict, MeshtuiError
from meshtui.services.routes.history import PLURALS, RouteHistory
from meshtui.services.routes.model import GROUP, ResetPlan, managed, touched
from meshtui.services.undo import HistoryUnavailable, UndoEntry


class ResetRefused(MeshtuiError):
    """A reset meshtui cannot do safely (the recorded original spec is unreadable or invalid): exit 1."""


def original_spec(obj: dict, kind: str) -> tuple[dict, str]:
    """The spec in the object's original-spec annotation, and the raw annotation (ResetRefused when unusable)."""
    meta = obj["metadata"]
    raw = (meta.get("annotations") or {}).get(R.ORIGINAL_ANNOTATION, "")
    where = f"{PLURALS[kind]}/{meta['name']}: the annotation {R.ORIGINAL_ANNOTATION}"
    hint = (f"look at it with kubectl get {PLURALS[kind]} {meta['name']} -o yaml; fix it, or remove the annotation "
            "and undo or edit the routes yourself")
    try:
        spec = json.loads(raw)
    except ValueError as exc:
        raise ResetRefused(f"{where} is not valid JSON ({exc}): meshtui cannot tell what the routes were before it, "
                           "so nothing was reset", hint=hint) from None
    if not isinstance(spec, dict):
        raise ResetRefused(f"{where} is not a {kind} spec (a JSON object): nothing was reset", hint=hint)
    return spec, raw


def last_written(history: list[UndoEntry], kind: str, name: str) -> dict | None:
    """The spec meshtui last wrote to this object: its newest record, however many writes of other objects since."""
    for entry in reversed(history):
        for change in entry.objects:
            if change.kind == kind and change.name == name:
                return change.after
    return None


class RouteReset(RouteHistory):
    """The reset half of `RouteService`."""

    def reset_plan(self, host: str, namespace: str | None = None) -> ResetPlan:
        """What `reset` would do to `host` (reads only; raises ResetRefused for an unusable annotation)."""
        ns = self.namespace(namespace)
        loaded = self.load(host, ns)
        after = loaded.routes.copy()
        actions, warnings = [], []
        try:
            history = self.store().entries(ns, host)
        except HistoryUnavailable:
            history = []
        for kind, obj in (("VirtualService", loaded.vs_obj), ("DestinationRule", loaded.dr_obj)):
            if obj is None or not (managed(obj) or touched(obj)):
                continue
            name = f"{PLURALS[kind]}/{obj['metadata']['name']}"
            spec: dict | None = None
            if managed(obj):
                actions.append(f"delete {name} (created by meshtui)")
            else:
                spec, _ = original_spec(obj, kind)
                actions.append(f"restore {name} to its spec before meshtui")
            if kind == "VirtualService":
                after.vs = spec
            else:
                after.dr = spec
            written = last_written(history, kind, obj["metadata"]["name"])
            if written is not None and written != (obj.get("spec") or {}):
                warnings.append(f"{name} was changed after meshtui's last write; the reset discards that change "
                                "too (it is in the diff)")
        if after.vs is not None and loaded.routes.vs != after.vs:
            for rule in R.view(after).rules:
                for d in rule.destinations:
                    if d.external:
                        warnings.append(f"after the reset, {R.present.percent(d.share)} of a rule's traffic goes to "
                                        f"{d.host} (another host), as the recorded original spec says")
        findings = [f.message for f in R.validate(after) if f.level == "error" and f.code != "IST0101"]
        if findings:
            raise ResetRefused(f"{host}: the recorded original spec is not valid Istio: " + "; ".join(findings),
                               hint="nothing was reset; fix or remove the annotation " + R.ORIGINAL_ANNOTATION)
        return ResetPlan(loaded, after, actions, warnings)

    def reset(self, host: str, namespace: str | None = None) -> list[str]:
        """Reset `host` as `reset_plan` says, at once (tours use it; the CLI and the panel show the plan first)."""
        return self.apply_reset(self.reset_plan(host, namespace))

    def apply_reset(self, plan: ResetPlan, *, dry_run: bool = False) -> list[str]:
        """Write `plan` (the server dry-runs it first); the reset is recorded so `undo` reverts it."""
        loaded = plan.loaded
        ns, host = loaded.routes.namespace, loaded.routes.host
        if not plan.actions:
            return []
        self.guard.check(f"reset routes of {ns}/{host}", dry_run=dry_run)  # a dry run reaches admission too
        if not dry_run:
            self.store().check_writable()
        steps = []
        for kind, obj, spec in (("VirtualService", loaded.vs_obj, plan.after.vs),
                                ("DestinationRule", loaded.dr_obj, plan.after.dr)):
            if obj is not None and (managed(obj) or touched(obj)):
                steps.append((kind, obj, spec))
        for kind, obj, spec in steps:
            self._reset_one(kind, obj, spec, dry_run=True)
        if dry_run:
            return [f"would {action}" for action in plan.actions]
        done, changes = [], []
        try:
            for kind, obj, spec in steps:
                result = self._reset_one(kind, obj, spec, dry_run=False)
                original = None if managed(obj) else (obj["metadata"].get("annotations") or {}).get(
                    R.ORIGINAL_ANNOTATION)
                changes.append(self.change(kind, obj, result, managed=managed(obj), original=original))
                name = f"{PLURALS[kind]}/{obj['metadata']['name']}"
                done.append(f"deleted {name} (created by meshtui)" if result is None else
                            f"restored {name} to its spec before meshtui")
        finally:
            if changes:
                done += self.record(ns, host, changes, "reset")
        return done

    def _reset_one(self, kind: str, obj: dict, spec: dict | None, *, dry_run: bool) -> dict | None:
        meta = obj["metadata"]
        path = self._path(PLURALS[kind], meta["namespace"], meta["name"])
        query = {"dryRun": "All" if dry_run else None, "fieldManager": "meshtui", "fieldValidation": "Strict"}
        try:
            if spec is None:
                body = {"apiVersion": "v1", "kind": "DeleteOptions",
                        "preconditions": {"uid": meta.get("uid"), "resourceVersion": meta.get("resourceVersion")}}
                self.kube.request("DELETE", path, query={"dryRun": query["dryRun"]}, body=body)
                return None
            restored = copy.deepcopy(obj)
            restored["spec"] = spec
            del restored["metadata"]["annotations"][R.ORIGINAL_ANNOTATION]
            restored.pop("status", None)
            return dict(self.kube.request("PUT", path, query=query, body=restored))
        except KubeApiError as exc:
            if exc.status == 409:
                raise Conflict(f"{PLURALS[kind]}/{meta['name']} changed since it was read; the reset stopped there",
                               hint="run it again to see the routes as they are now") from None
            if exc.status == 422:
                raise ResetRefused(f"the API server rejected the reset of {PLURALS[kind]}/{meta['name']}: "
                                   f"{exc.api_message}") from None
            raise

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
