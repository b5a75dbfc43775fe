"""Services, Namespaces, ConfigMaps, Secrets and core/v1 Events, as pkg/apis/core/validation checks them.

Service: ports required unless headless or ExternalName; more than one port needs
names (DNS-1123 labels, unique); port in 1-65535; protocol TCP/UDP/SCTP; targetPort a
port number or an IANA port name; no nodePort on a ClusterIP Service and none outside
30000-32767; no duplicate (protocol, port) or nodePort; selector labels valid; type,
sessionAffinity and externalTrafficPolicy from their enumerations.
Namespace: spec.finalizers are qualified names. ConfigMap: keys are config keys, not
in both data and binaryData, at most 1 MiB in all. Secret (after stringData is merged):
config keys, at most 1 MiB, and the keys each `type` requires. core/v1 Event: the
legacy rules only - involvedObject.namespace must match, and only Events that carry
`eventTime` need reportingController/reportingInstance/action/reason and length
limits; message, reason and names are otherwise free text, as on a real server.
"""

from __future__ import annotations

import json
from typing import Any

from meshtui.sim import names
from meshtui.sim.errors import (
    FieldError,
    GoRepr,
    duplicate,
    forbidden,
    go_quote,
    integer,
    invalid_value,
    not_supported,
    required,
    too_long,
)
from meshtui.sim.metavalidation import validate_labels

MAX_SECRET_SIZE = 1024 * 1024
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
NODE_PORTS = (30000, 32767)
# Secret type -> data keys it needs (all of them, or - basic-auth - either one).
SECRET_KEYS = {"kubernetes.io/dockercfg": [".dockercfg"], "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
               "kubernetes.io/ssh-auth": ["ssh-privatekey"], "kubernetes.io/tls": ["tls.crt", "tls.key"]}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _target_port(value: Any, path: str) -> list[FieldError]:
    if isinstance(value, str):
        return [invalid_value(path, value, msg) for msg in names.port_name(value)]
    return [invalid_value(path, value, msg) for msg in names.port_number(integer(value, path))]


def _service_ports(spec: dict, kind: str) -> list[FieldError]:
    errs: list[FieldError] = []
    ports = spec.get("ports") or []
    seen_names: set[str] = set()
    seen: set[tuple[str, int]] = set()
    node_ports: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        port, here = _dict(port), f"spec.ports[{i}]"
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            errs.append(required(f"{here}.name"))
        elif name:
            errs += [invalid_value(f"{here}.name", name, msg) for msg in names.dns1123_label(name)]
            if name in seen_names:
                errs.append(duplicate(f"{here}.name", name))
            seen_names.add(name)
        number = integer(port.get("port", 0), f"{here}.port")
        errs += [invalid_value(f"{here}.port", number, msg) for msg in names.port_number(number)]
        protocol = port.get("protocol", "TCP")
        if protocol not in PROTOCOLS:
            errs.append(not_supported(f"{here}.protocol", protocol, PROTOCOLS))
        if port.get("targetPort") not in (None, 0, ""):
            errs += _target_port(port["targetPort"], f"{here}.targetPort")
        node_port = integer(port.get("nodePort", 0), f"{here}.nodePort")
        if node_port and kind == "ClusterIP":
            errs.append(forbidden(f"{here}.nodePort", "may not be used when `type` is 'ClusterIP'"))
        elif node_port and not NODE_PORTS[0] <= node_port <= NODE_PORTS[1]:
            errs.append(invalid_value(f"{here}.nodePort", node_port, "provided port is not in the valid range. "
                                      f"The range of valid ports is {NODE_PORTS[0]}-{NODE_PORTS[1]}"))
        if node_port:
            if (protocol, node_port) in node_ports:
                errs.append(duplicate(f"{here}.nodePort", node_port))
            node_ports.add((protocol, node_port))
        if (protocol, number) in seen:
            errs.append(duplicate(here, GoRepr(f"core.ServicePort{{Protocol:{go_quote(protocol)}, Port:{number}}}")))
        seen.add((protocol, number))
    return errs


def validate_service(obj: dict) -> list[FieldError]:
    spec = _dict(obj.get("spec"))
    kind = spec.get("type", "ClusterIP")
    headless = spec.get("clusterIP") == "None"
    errs: list[FieldError] = []
    if not spec.get("ports") and not headless and kind != "ExternalName":
        errs.append(required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and headless:
        errs.append(invalid_value("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {kind} services"))
    if kind == "ExternalName":
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            errs += [invalid_value("spec.externalName", cname, msg) for msg in names.dns1123_subdomain(cname)]
        else:
            errs.append(required("spec.externalName"))
    errs += _service_ports(spec, kind)
    errs += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity", "None")
    if affinity not in ("ClientIP", "None"):
        errs.append(not_supported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
    if kind not in SERVICE_TYPES:
        errs.append(not_supported("spec.type", kind, SERVICE_TYPES))
    policy = spec.get("externalTrafficPolicy")
    if policy is not None and kind not in ("LoadBalancer", "NodePort"):
        errs.append(invalid_value("spec.externalTrafficPolicy", policy,
                                  "may only be set for externally-accessible services"))
    elif policy is not None and policy not in ("Cluster", "Local"):
        errs.append(not_supported("spec.externalTrafficPolicy", policy, ["Cluster", "Local"]))
    return errs


def validate_namespace(obj: dict) -> list[FieldError]:
    return [invalid_value("spec.finalizers", f, msg) for f in _dict(obj.get("spec")).get("finalizers") or []
            for msg in names.qualified_name(str(f))]


def validate_config_map(obj: dict, binary_sizes: dict[str, int]) -> list[FieldError]:
    """`binary_sizes`: decoded byte length of each binaryData value."""
    errs: list[FieldError] = []
    data = _dict(obj.get("data"))
    total = 0
    for key in sorted(data):
        errs += [invalid_value(f"data[{key}]", key, msg) for msg in names.config_map_key(key)]
        if key in binary_sizes:
            errs.append(invalid_value(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += names.byte_len(str(data[key]))
    for key in sorted(binary_sizes):
        errs += [invalid_value(f"binaryData[{key}]", key, msg) for msg in names.config_map_key(key)]
        total += binary_sizes[key]
    if total > MAX_SECRET_SIZE:
        errs.append(too_long("", MAX_SECRET_SIZE))
    return errs


def validate_secret(obj: dict, values: dict[str, bytes]) -> list[FieldError]:
    """`values`: the decoded data (stringData already merged in)."""
    errs: list[FieldError] = []
    for key in sorted(values):
        errs += [invalid_value(f"data[{key}]", key, msg) for msg in names.config_map_key(key)]
    if sum(len(v) for v in values.values()) > MAX_SECRET_SIZE:
        errs.append(too_long("data", MAX_SECRET_SIZE))
    kind = obj.get("type") or "Opaque"
    annotations = _dict(_dict(obj.get("metadata")).get("annotations"))
    if kind == "kubernetes.io/service-account-token" and not annotations.get("kubernetes.io/service-account.name"):
        errs.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif kind == "kubernetes.io/basic-auth" and "username" not in values and "password" not in values:
        errs += [required("data[username]"), required("data[password]")]
    elif kind == "kubernetes.io/ssh-auth" and not values.get("ssh-privatekey"):
        errs.append(required("data[ssh-privatekey]"))
    elif kind in SECRET_KEYS:
        missing = [key for key in SECRET_KEYS[kind] if key not in values]
        errs += [required(f"data[{key}]") for key in missing]
        if not missing and kind.startswith("kubernetes.io/docker"):
            key = SECRET_KEYS[kind][0]
            try:
                json.loads(values[key])
            except ValueError as exc:
                errs.append(invalid_value(f"data[{key}]", "<secret contents redacted>", str(exc)))
    return errs


def validate_secret_update(obj: dict, old: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    if (obj.get("type") or "Opaque") != (old.get("type") or "Opaque"):
        errs.append(invalid_value("type", obj.get("type"), "field is immutable"))
    if old.get("immutable") is True:
        if obj.get("immutable") is not True:
            errs.append(forbidden("immutable", "field is immutable when `immutable` is set"))
        if obj.get("data") != old.get("data"):
            errs.append(forbidden("data", "field is immutable when `immutable` is set"))
    return errs


def validate_event(obj: dict) -> list[FieldError]:
    """legacyValidateEvent: what core/v1 checks on every Event."""
    errs: list[FieldError] = []
    namespace = _dict(obj.get("metadata")).get("namespace") or ""
    involved = str(_dict(obj.get("involvedObject")).get("namespace") or "")
    mismatch = invalid_value("involvedObject.namespace", involved, "does not match event.namespace")
    if not obj.get("eventTime"):
        if (not involved and namespace not in ("", "default")) or (involved and involved != namespace):
            errs.append(mismatch)
    else:
        if not involved and namespace not in ("default", "kube-system"):
            errs.append(mismatch)
        controller = str(obj.get("reportingComponent") or "")
        if not controller:
            errs.append(required("reportingController"))
        errs += [invalid_value("reportingController", controller, m) for m in names.qualified_name(controller)]
        for field, json_field, limit in (("reportingInstance", "reportingInstance", 128), ("action", "action", 128),
                                         ("reason", "reason", 128), ("message", "message", 1024)):
            value = str(obj.get(json_field) or "")
            if not value and field != "message":
                errs.append(required(field))
            if names.byte_len(value) > limit:
                errs.append(invalid_value(field, "", f"can have at most {limit} characters"))
    errs += [invalid_value("namespace", namespace, m) for m in names.dns1123_subdomain(namespace)]
    return errs
