"""Controllers that make the simulated cluster feel alive.

Deployment -> ReplicaSet -> Pods, reconciled on every change (scaling, template edits,
deleted pods); a scheduler that spreads pods over the nodes; a kubelet that walks pods
Pending -> ContainerCreating -> Running -> Ready and restarts crashed containers;
Istio's sidecar injector for namespaces labelled `istio-injection=enabled`; and Events
for all of it, as the real components record them.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from meshtui.sim import kubelet
from meshtui.sim.admission import Admission
from meshtui.sim.state import SimState
from meshtui.sim.store import MAX_GENERATED_PREFIX, ApiError, WatchEvent
from meshtui.sim.timefmt import now_iso

NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
MAX_EVENTS = 3000


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(NAME_ALPHABET[b % len(NAME_ALPHABET)] for b in digest[:10])


def owner_ref(obj: dict) -> dict:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


class Controllers:
    """Reconcilers and the pod lifecycle, driven by store events."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.store = state.store
        self._pending: set[tuple[str, str, str]] = set()
        self._events: dict[tuple[str, str, str, str], str] = {}
        self._event_order: list[tuple[str, str]] = []
        self._pod_seq = 0

    def install(self) -> None:
        self.store.mutators.append(Admission(self.state).admit)
        self.store.listeners.append(self._on_event)

    # -- event fan-in ------------------------------------------------------------------
    def _on_event(self, event: WatchEvent) -> None:
        kind = event.obj.get("kind")
        meta = event.obj["metadata"]
        if kind == "Deployment" and event.type != "DELETED":
            self._queue("deployment", meta["namespace"], meta["name"])
        elif kind == "ReplicaSet":
            if event.type != "DELETED":
                self._queue("replicaset", meta["namespace"], meta["name"])
            for ref in meta.get("ownerReferences") or []:
                if ref.get("kind") == "Deployment":
                    self._queue("deployment", meta["namespace"], ref["name"])
        elif kind == "Pod":
            if event.type == "ADDED":
                self._later(0.05, self._schedule, meta["namespace"], meta["name"], meta["uid"])
            if event.type == "DELETED":
                self.state.logs.drop_pod(meta["namespace"], meta["name"])
            for ref in meta.get("ownerReferences") or []:
                if ref.get("kind") == "ReplicaSet":
                    self._queue("replicaset", meta["namespace"], ref["name"])

    def _queue(self, what: str, namespace: str, name: str) -> None:
        key = (what, namespace, name)
        if key in self._pending:
            return
        self._pending.add(key)
        assert self.state.loop is not None
        self.state.loop.call_soon(self._run, key)

    def _run(self, key: tuple[str, str, str]) -> None:
        self._pending.discard(key)
        what, namespace, name = key
        try:
            if what == "deployment":
                self.reconcile_deployment(namespace, name)
            else:
                self.reconcile_replicaset(namespace, name)
        except ApiError:
            pass  # deleted meanwhile: nothing to reconcile

    def _later(self, delay: float, fn: Any, *args: Any) -> None:
        assert self.state.loop is not None
        self.state.loop.call_later(delay / max(self.state.options.speed, 0.01), self._guard, fn, args)

    @staticmethod
    def _guard(fn: Any, args: tuple) -> None:
        try:
            fn(*args)
        except ApiError:
            pass

    # -- deployments and replicasets ---------------------------------------------------
    def reconcile_deployment(self, namespace: str, name: str) -> None:
        deployments, replicasets = self.state.type("deployments"), self.state.type("replicasets")
        deploy = self.store.find(deployments, namespace, name)
        if deploy is None:
            return
        template = deploy["spec"].get("template", {})
        hashed = template_hash(template)
        rs_name = f"{name}-{hashed}"
        owned = [rs for rs in self.store.list(replicasets, namespace)
                 if any(r.get("uid") == deploy["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or [])]
        replicas = int(deploy["spec"].get("replicas", 1))
        if not any(rs["metadata"]["name"] == rs_name for rs in owned):
            labels = {**template.get("metadata", {}).get("labels", {}), "pod-template-hash": hashed}
            rs_template = copy.deepcopy(template)
            rs_template.setdefault("metadata", {})["labels"] = labels
            self.store.create(replicasets, namespace, {
                "metadata": {"name": rs_name, "labels": labels, "ownerReferences": [owner_ref(deploy)],
                             "annotations": {"deployment.kubernetes.io/revision": str(len(owned) + 1)}},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {
                    **deploy["spec"].get("selector", {}).get("matchLabels", {}), "pod-template-hash": hashed}},
                    "template": rs_template}})
            self.record(deploy, "Normal", "ScalingReplicaSet",
                        f"Scaled up replica set {rs_name} from 0 to {replicas}", "deployment-controller")
        for rs in owned:
            want = replicas if rs["metadata"]["name"] == rs_name else 0
            if rs["spec"].get("replicas") != want:
                self.store.mutate(replicasets, namespace, rs["metadata"]["name"], _set_replicas(want))
        current = [rs for rs in self.store.list(replicasets, namespace)
                   if any(r.get("uid") == deploy["metadata"]["uid"] for r in rs["metadata"].get("ownerReferences") or [])]
        ready = sum(rs.get("status", {}).get("readyReplicas", 0) for rs in current)
        total = sum(rs.get("status", {}).get("replicas", 0) for rs in current)
        updated = next((rs.get("status", {}).get("replicas", 0) for rs in current
                        if rs["metadata"]["name"] == rs_name), 0)
        available = ready >= replicas

        def status(obj: dict) -> None:
            obj["status"] = {
                "observedGeneration": obj["metadata"].get("generation", 1), "replicas": total,
                "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": ready,
                "unavailableReplicas": max(0, replicas - ready),
                "conditions": [
                    {"type": "Available", "status": "True" if available else "False",
                     "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable"},
                    {"type": "Progressing", "status": "True",
                     "reason": "NewReplicaSetAvailable" if available else "ReplicaSetUpdated",
                     "message": f'ReplicaSet "{rs_name}" has {"successfully progressed" if available else "is progressing"}.'},
                ]}
            if not ready:
                obj["status"].pop("readyReplicas")
                obj["status"].pop("availableReplicas")
        self.store.mutate(deployments, namespace, name, status)

    def reconcile_replicaset(self, namespace: str, name: str) -> None:
        replicasets, pods = self.state.type("replicasets"), self.state.type("pods")
        rs = self.store.find(replicasets, namespace, name)
        if rs is None:
            return
        uid = rs["metadata"]["uid"]
        owned = [p for p in self.store.list(pods, namespace)
                 if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])
                 and not p["metadata"].get("deletionTimestamp")]  # Terminating pods no longer count
        want = int(rs["spec"].get("replicas", 1))
        for _ in range(want - len(owned)):
            self._create_pod(rs)
        for pod in sorted(owned, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)[:max(0, len(owned) - want)]:
            from meshtui.sim.kubelet import delete_pod

            delete_pod(self, namespace, pod["metadata"]["name"])
            self.record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}",
                        "replicaset-controller")
        owned = [p for p in self.store.list(pods, namespace)
                 if any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])
                 and not p["metadata"].get("deletionTimestamp")]
        ready = sum(1 for p in owned if is_ready(p))

        def status(obj: dict) -> None:
            obj["status"] = {"replicas": len(owned), "fullyLabeledReplicas": len(owned), "readyReplicas": ready,
                             "availableReplicas": ready, "observedGeneration": obj["metadata"].get("generation", 1)}
        self.store.mutate(replicasets, namespace, name, status)

    def _create_pod(self, rs: dict) -> dict:
        template = rs["spec"].get("template", {})
        suffix = "".join(self.state.rng.choice(NAME_ALPHABET) for _ in range(5))
        # the ReplicaSet controller names pods by generateName "<rs>-": at most 58 + 5 characters
        body = {"metadata": {"name": f"{rs['metadata']['name']}-"[:MAX_GENERATED_PREFIX] + suffix,
                             "labels": dict(template.get("metadata", {}).get("labels", {})),
                             "annotations": dict(template.get("metadata", {}).get("annotations", {})),
                             "ownerReferences": [owner_ref(rs)]},
                "spec": copy.deepcopy(template.get("spec", {}))}
        pod = self.store.create(self.state.type("pods"), rs["metadata"]["namespace"], body,
                                namespaces=self.state.type("namespaces"))
        self.record(rs, "Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                    "replicaset-controller")
        return pod

    # -- scheduler and kubelet ---------------------------------------------------------
    def _schedule(self, namespace: str, name: str, uid: str) -> None:
        """The default scheduler binds only its own pods; a kubelet runs only on a node that exists."""
        pod = self.store.find(self.state.type("pods"), namespace, name)
        if pod is None:
            return
        spec = pod.get("spec", {})
        node = spec.get("nodeName")
        if node and self.store.find(self.state.type("nodes"), None, node) is None:
            return  # bound to a node that does not exist: no kubelet ever starts it (stays Pending)
        if not node and spec.get("schedulerName", "default-scheduler") != "default-scheduler":
            return  # waits for another scheduler (stays Pending)
        kubelet.schedule(self, namespace, name, uid)

    # -- events ------------------------------------------------------------------------
    def record(self, obj: dict, kind: str, reason: str, message: str, component: str) -> None:
        """Create or bump an Event about `obj`, as client-go's recorder does."""
        events = self.state.type("events")
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (namespace, meta["name"], reason, message)
        now = now_iso()
        existing = self._events.get(key)
        if existing and self.store.find(events, namespace, existing):
            def bump(ev: dict) -> None:
                ev["count"] = ev.get("count", 1) + 1
                ev["lastTimestamp"] = now
            self.store.mutate(events, namespace, existing, bump)
            return
        name = f"{meta['name']}.{self.state.rng.getrandbits(64):016x}"
        self.store.create(events, namespace, {
            "metadata": {"name": name}, "type": kind, "reason": reason, "message": message,
            "involvedObject": {"kind": obj.get("kind"), "namespace": meta.get("namespace"), "name": meta["name"],
                               "uid": meta.get("uid"), "apiVersion": obj.get("apiVersion")},
            "source": {"component": component}, "reportingComponent": component, "count": 1,
            "firstTimestamp": now, "lastTimestamp": now})
        self._events[key] = name
        self._event_order.append((namespace, name))
        while len(self._event_order) > MAX_EVENTS:
            old_ns, old_name = self._event_order.pop(0)
            if self.store.find(events, old_ns, old_name):
                self.store.delete(events, old_ns, old_name)


def _set_replicas(count: int) -> Callable[[dict], None]:
    def change(obj: dict) -> None:
        obj["spec"]["replicas"] = count
    return change


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in pod.get("status", {}).get("conditions", []))
