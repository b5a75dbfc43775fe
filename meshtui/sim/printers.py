"""The cells of `kubectl get`, computed as the API server's printers compute them.

Facts from kubernetes `pkg/printers/internalversion/printers.go` (printPod, printNode,
printEvent, ...), with the sim's own code. The server prints every column (wide ones
too); kubectl hides priority-1 columns unless `-o wide`.

A pod's STATUS starts as its phase (or status.reason); init containers that have not
succeeded show `Init:N/M`, `Init:<waiting reason>` or `Init:<terminated reason>`
(`Init:ExitCode:N` without one); then, unless still initializing, the containers are
read last to first so the first container's waiting/terminated reason wins
(`ExitCode:N`/`Signal:N` without a reason); `Completed` with a container still running
reads `Running` (or `NotReady`); a deletionTimestamp on a non-terminal pod reads
`Terminating`. READY counts containers that are ready and running (plus started
sidecar init containers); RESTARTS adds `(5m ago)` from the newest lastState finishedAt.
"""

from __future__ import annotations

import json
from typing import Any

from meshtui.sim.timefmt import human_duration, parse_seconds, since

NODE_ROLE_PREFIX = "node-role.kubernetes.io/"


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _state(status: dict, which: str) -> dict | None:
    value = _dict(status.get("state")).get(which)
    return value if isinstance(value, dict) else None


def _finished(status: dict) -> float | None:
    terminated = _dict(_dict(status.get("lastState")).get("terminated"))
    return parse_seconds(terminated.get("finishedAt"))


def _newest(current: float | None, other: float | None) -> float | None:
    return other if other is not None and (current is None or other > current) else current


def _terminated_reason(terminated: dict, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _condition_true(status: dict, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or [])


def pod_cells(pod: dict, now: float) -> list[Any]:
    meta, spec, status = _dict(pod.get("metadata")), _dict(pod.get("spec")), _dict(pod.get("status"))
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
           for c in status.get("conditions") or []):
        reason = "SchedulingGated"
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    sidecar = {name for name, c in init_specs.items() if c.get("restartPolicy") == "Always"}
    total, ready = len(spec.get("containers") or []) + len(sidecar), 0
    restarts = sidecar_restarts = 0
    last = last_sidecar = None
    initializing = False
    for index, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += _int(cs.get("restartCount"))
        last = _newest(last, _finished(cs))
        if cs.get("name") in sidecar:
            sidecar_restarts += _int(cs.get("restartCount"))
            last_sidecar = _newest(last_sidecar, _finished(cs))
        terminated, waiting = _state(cs, "terminated"), _state(cs, "waiting")
        if terminated is not None and not terminated.get("exitCode"):
            continue
        if cs.get("name") in sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break
    if not initializing or _condition_true(status, "Initialized"):
        restarts, last = sidecar_restarts, last_sidecar
        running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += _int(cs.get("restartCount"))
            last = _newest(last, _finished(cs))
            waiting, terminated = _state(cs, "waiting"), _state(cs, "terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated)
            elif cs.get("ready") and _state(cs, "running") is not None:
                running = True
                ready += 1
        if reason == "Completed" and running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    restart_text = str(restarts)
    if restarts and last is not None:
        restart_text = f"{restarts} ({human_duration(now - last)} ago)"
    ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    gate_text = "<none>"
    if gates:
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        gate_text = f"{sum(1 for g in gates if conditions.get(g.get('conditionType')) == 'True')}/{len(gates)}"
    return [meta.get("name"), f"{ready}/{total}", reason, restart_text, since(meta.get("creationTimestamp"), now),
            _dict(ips[0]).get("ip") or "<none>" if ips else "<none>", spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>", gate_text]


def pod_conditions(pod: dict) -> list[dict]:
    """Table row conditions: a finished pod's row is marked Completed."""
    phase = _dict(pod.get("status")).get("phase")
    if phase in ("Succeeded", "Failed"):
        message = "The pod has completed successfully." if phase == "Succeeded" else "The pod failed."
        return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]
    return []


def node_cells(node: dict, now: float) -> list[Any]:
    meta, spec, status = _dict(node.get("metadata")), _dict(node.get("spec")), _dict(node.get("status"))
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    states = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if spec.get("unschedulable"):
        states.append("SchedulingDisabled")
    roles = set()
    for key, value in _dict(meta.get("labels")).items():
        if key.startswith(NODE_ROLE_PREFIX) and key[len(NODE_ROLE_PREFIX):]:
            roles.add(key[len(NODE_ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    info = _dict(status.get("nodeInfo"))
    addresses = status.get("addresses") or []

    def address(kind: str) -> str:
        return next((a.get("address") for a in addresses if a.get("type") == kind), "<none>")
    return [meta.get("name"), ",".join(states), ",".join(sorted(roles)) or "<none>",
            since(meta.get("creationTimestamp"), now), info.get("kubeletVersion", ""), address("InternalIP"),
            address("ExternalIP"), info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def event_cells(event: dict, now: float) -> list[Any]:
    meta, involved, source = _dict(event.get("metadata")), _dict(event.get("involvedObject")), _dict(event.get("source"))
    first = since(event["firstTimestamp"], now) if event.get("firstTimestamp") else since(event.get("eventTime"), now)
    last = since(event["lastTimestamp"], now) if event.get("lastTimestamp") else first
    count = event.get("count") or 1
    series = event.get("series")
    if isinstance(series, dict):
        last, count = since(series.get("lastObservedTime"), now), series.get("count") or 0
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return [last, event.get("type", ""), event.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {instance}" if instance else component, str(event.get("message") or "").strip(), first,
            _int(count), meta.get("name")]


def format_labels(labels: Any) -> str:
    text = ",".join(f"{k}={v}" for k, v in sorted(_dict(labels).items()))
    return text or "<none>"


def format_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: requirements sorted by key."""
    selector = _dict(selector)
    parts = [(k, f"{k}={v}") for k, v in _dict(selector.get("matchLabels")).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator"), ",".join(sorted(expr.get("values") or []))
        text = {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key,
                "DoesNotExist": f"!{key}"}.get(str(op), key)
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts)) or "<none>"


def containers(template: Any) -> tuple[str, str]:
    specs = _dict(_dict(template).get("spec")).get("containers") or []
    return ",".join(str(c.get("name")) for c in specs), ",".join(str(c.get("image")) for c in specs)


def service_cells(svc: dict, now: float) -> list[Any]:
    meta, spec = _dict(svc.get("metadata")), _dict(svc.get("spec"))
    kind = spec.get("type", "ClusterIP")
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    externals = list(spec.get("externalIPs") or [])
    if kind == "LoadBalancer":
        ingress = _dict(_dict(svc.get("status")).get("loadBalancer")).get("ingress") or []
        found = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        external = ",".join(found + externals) or "<pending>"
    elif kind == "ExternalName":
        external = spec.get("externalName", "")
    else:
        external = ",".join(externals) or "<none>"
    ports = ",".join(f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort")
                     else f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or [])
    return [meta.get("name"), kind, cluster_ips[0] if cluster_ips else "<none>", external, ports or "<none>",
            since(meta.get("creationTimestamp"), now), format_labels(spec.get("selector"))]


def crd_string(value: Any) -> str | None:
    """A CRD printer column of type string: scalars as text, lists/maps as JSON (`["a","b"]`)."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
