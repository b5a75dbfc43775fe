"""Server-side printing: the `meta.k8s.io/v1 Table` kubectl asks for on `get`.

Without it kubectl prints only NAME and AGE. Columns follow the real server's
printers (pods: READY STATUS RESTARTS AGE IP NODE; Istio kinds: their CRDs'
additionalPrinterColumns). Ages use the API server's human duration format.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from typing import Any

from meshtui.domain.workloads import human_age as human_duration
from meshtui.domain.workloads import pod_status
from meshtui.sim.resources import ResourceType


def age(obj: dict) -> str:
    stamp = obj.get("metadata", {}).get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    created = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    return human_duration(time.time() - created)


def _pod_row(pod: dict) -> list[Any]:
    statuses = pod.get("status", {}).get("containerStatuses", [])
    total = len(pod.get("spec", {}).get("containers", []))
    ready = sum(1 for cs in statuses if cs.get("ready"))
    restarts = sum(cs.get("restartCount", 0) for cs in statuses)
    last = max((cs.get("lastState", {}).get("terminated", {}).get("finishedAt", "") for cs in statuses), default="")
    restart_text = str(restarts)
    if restarts and last:
        restart_text += f" ({human_duration(time.time() - calendar.timegm(time.strptime(last, '%Y-%m-%dT%H:%M:%SZ')))} ago)"
    return [pod["metadata"]["name"], f"{ready}/{total}", pod_status(pod), restart_text, age(pod),
            pod.get("status", {}).get("podIP", "<none>"), pod.get("spec", {}).get("nodeName", "<none>"), "<none>",
            "<none>"]


def _node_row(node: dict) -> list[Any]:
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in node.get("status", {}).get("conditions", []))
    roles = [k.split("/", 1)[1] for k in node["metadata"].get("labels", {}) if k.startswith("node-role.kubernetes.io/")]
    return [node["metadata"]["name"], "Ready" if ready else "NotReady", ",".join(roles) or "<none>", age(node),
            node.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")]


def _deploy_row(obj: dict) -> list[Any]:
    status, spec = obj.get("status", {}), obj.get("spec", {})
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), age(obj)]


def _rs_row(obj: dict) -> list[Any]:
    status, spec = obj.get("status", {}), obj.get("spec", {})
    return [obj["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0),
            status.get("readyReplicas", 0), age(obj)]


def _svc_row(obj: dict) -> list[Any]:
    spec = obj.get("spec", {})
    ports = ",".join(f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
                     for p in spec.get("ports", []))
    external = "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
    return [obj["metadata"]["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"), external,
            ports or "<none>", age(obj)]


def _event_row(obj: dict) -> list[Any]:
    involved = obj.get("involvedObject", {})
    return [obj.get("lastTimestamp") and age({"metadata": {"creationTimestamp": obj["lastTimestamp"]}}) or age(obj),
            obj.get("type", ""), obj.get("reason", ""), f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
            obj.get("message", "")]


def _join(value: Any) -> str:
    return ",".join(value) if isinstance(value, list) else ("" if value is None else str(value))


COLUMNS: dict[str, tuple[list[tuple[str, str, int]], Callable[[dict], list[Any]]]] = {
    "Pod": ([("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0), ("Restarts", "string", 0),
             ("Age", "string", 0), ("IP", "string", 1), ("Node", "string", 1), ("Nominated Node", "string", 1),
             ("Readiness Gates", "string", 1)], _pod_row),
    "Node": ([("Name", "string", 0), ("Status", "string", 0), ("Roles", "string", 0), ("Age", "string", 0),
              ("Version", "string", 0)], _node_row),
    "Deployment": ([("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "integer", 0),
                    ("Available", "integer", 0), ("Age", "string", 0)], _deploy_row),
    "ReplicaSet": ([("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
                    ("Ready", "integer", 0), ("Age", "string", 0)], _rs_row),
    "Service": ([("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0),
                 ("External-IP", "string", 0), ("Port(s)", "string", 0), ("Age", "string", 0)], _svc_row),
    "Event": ([("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0), ("Object", "string", 0),
               ("Message", "string", 0)], _event_row),
    "Namespace": ([("Name", "string", 0), ("Status", "string", 0), ("Age", "string", 0)],
                  lambda o: [o["metadata"]["name"], o.get("status", {}).get("phase", "Active"), age(o)]),
    "VirtualService": ([("Name", "string", 0), ("Gateways", "string", 0), ("Hosts", "string", 0), ("Age", "date", 0)],
                       lambda o: [o["metadata"]["name"], _join(o.get("spec", {}).get("gateways")),
                                  _join(o.get("spec", {}).get("hosts")), age(o)]),
    "DestinationRule": ([("Name", "string", 0), ("Host", "string", 0), ("Age", "date", 0)],
                        lambda o: [o["metadata"]["name"], o.get("spec", {}).get("host", ""), age(o)]),
}


def to_table(rt: ResourceType, items: list[dict], resource_version: str) -> dict:
    columns, row = COLUMNS.get(rt.kind, ([("Name", "string", 0), ("Age", "string", 0)],
                                         lambda o: [o["metadata"]["name"], age(o)]))
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
            "columnDefinitions": [{"name": name, "type": kind, "format": "name" if name == "Name" else "",
                                   "description": name, "priority": priority} for name, kind, priority in columns],
            "rows": [{"cells": row(item), "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                     "metadata": item["metadata"]}} for item in items]}
