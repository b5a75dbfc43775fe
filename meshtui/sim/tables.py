"""Server-side printing: the `meta.k8s.io/v1 Table` kubectl asks for on `get`.

Without it kubectl prints only NAME and AGE. The columns (names, types, priorities:
priority 1 is shown by `-o wide` only) are those of the API server's own printers for
built-in kinds and of the CRDs' additionalPrinterColumns for Istio kinds; the cells
come from printers.py. Rows carry the object's metadata (`includeObject=Metadata`,
kubectl's default) so `kubectl get` can sort and label them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from meshtui.sim import printers
from meshtui.sim.printers import containers, crd_string, format_selector
from meshtui.sim.resources import ResourceType
from meshtui.sim.timefmt import since

Column = tuple[str, str, int]  # name, type, priority
Row = Callable[[dict, float], list[Any]]


def _name(obj: dict) -> Any:
    return obj.get("metadata", {}).get("name")


def _age(obj: dict, now: float) -> str:
    return since(obj.get("metadata", {}).get("creationTimestamp"), now)


def _deployment(obj: dict, now: float) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    names, images = containers(spec.get("template"))
    return [_name(obj), f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0), _age(obj, now), names, images, format_selector(spec.get("selector"))]


def _replicaset(obj: dict, now: float) -> list[Any]:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    names, images = containers(spec.get("template"))
    return [_name(obj), spec.get("replicas", 1), status.get("replicas", 0), status.get("readyReplicas", 0),
            _age(obj, now), names, images, format_selector(spec.get("selector"))]


_NAME: Column = ("Name", "string", 0)
_AGE: Column = ("Age", "string", 0)
COLUMNS: dict[str, tuple[list[Column], Row]] = {
    "Pod": ([_NAME, ("Ready", "string", 0), ("Status", "string", 0), ("Restarts", "string", 0), _AGE,
             ("IP", "string", 1), ("Node", "string", 1), ("Nominated Node", "string", 1),
             ("Readiness Gates", "string", 1)], printers.pod_cells),
    "Node": ([_NAME, ("Status", "string", 0), ("Roles", "string", 0), _AGE, ("Version", "string", 0),
              ("Internal-IP", "string", 1), ("External-IP", "string", 1), ("OS-Image", "string", 1),
              ("Kernel-Version", "string", 1), ("Container-Runtime", "string", 1)], printers.node_cells),
    "Event": ([("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0), ("Object", "string", 0),
               ("Subobject", "string", 1), ("Source", "string", 1), ("Message", "string", 0),
               ("First Seen", "string", 1), ("Count", "string", 1), ("Name", "string", 1)], printers.event_cells),
    "Service": ([_NAME, ("Type", "string", 0), ("Cluster-IP", "string", 0), ("External-IP", "string", 0),
                 ("Port(s)", "string", 0), _AGE, ("Selector", "string", 1)], printers.service_cells),
    "Deployment": ([_NAME, ("Ready", "string", 0), ("Up-to-date", "string", 0), ("Available", "string", 0), _AGE,
                    ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _deployment),
    "ReplicaSet": ([_NAME, ("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0), _AGE,
                    ("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1)], _replicaset),
    "Namespace": ([_NAME, ("Status", "string", 0), _AGE],
                  lambda o, now: [_name(o), o.get("status", {}).get("phase", ""), _age(o, now)]),
    "Secret": ([_NAME, ("Type", "string", 0), ("Data", "string", 0), _AGE],
               lambda o, now: [_name(o), o.get("type", ""), len(o.get("data") or {}), _age(o, now)]),
    "ConfigMap": ([_NAME, ("Data", "string", 0), _AGE],
                  lambda o, now: [_name(o), len(o.get("data") or {}) + len(o.get("binaryData") or {}), _age(o, now)]),
    "ServiceAccount": ([_NAME, ("Secrets", "string", 0), _AGE],
                       lambda o, now: [_name(o), len(o.get("secrets") or []), _age(o, now)]),
    "VirtualService": ([_NAME, ("Gateways", "string", 0), ("Hosts", "string", 0), ("Age", "date", 0)],
                       lambda o, now: [_name(o), crd_string(o.get("spec", {}).get("gateways")),
                                       crd_string(o.get("spec", {}).get("hosts")), _age(o, now)]),
    "DestinationRule": ([_NAME, ("Host", "string", 0), ("Age", "date", 0)],
                        lambda o, now: [_name(o), crd_string(o.get("spec", {}).get("host")), _age(o, now)]),
}
_DEFAULT: tuple[list[Column], Row] = ([_NAME, _AGE], lambda o, now: [_name(o), _age(o, now)])


def _partial(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def to_table(rt: ResourceType, items: list[dict], resource_version: str, now: float | None = None) -> dict:
    columns, row = COLUMNS.get(rt.kind, _DEFAULT)
    at = time.time() if now is None else now
    rows = []
    for item in items:
        entry: dict[str, Any] = {"cells": row(item, at), "object": _partial(item)}
        if rt.kind == "Pod" and printers.pod_conditions(item):
            entry["conditions"] = printers.pod_conditions(item)
        rows.append(entry)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": [{"name": name, "type": kind, "format": "name" if name == "Name" else "",
                                   "description": name, "priority": priority} for name, kind, priority in columns],
            "rows": rows}
