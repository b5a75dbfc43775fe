"""Pod specs, as pkg/apis/core/validation checks them for Pods and for pod templates.

Containers (and init containers): a name that is a DNS-1123 label, unique across both
lists; an image; ports with a valid IANA port name (unique), a containerPort and
hostPort in 1-65535 and protocol TCP/UDP/SCTP; env names (v1.32's relaxed rule:
printable ASCII but `=`) and never both `value` and `valueFrom`; an imagePullPolicy of
Always/IfNotPresent/Never; volumeMounts that name a declared volume. The pod: at least
one container, restartPolicy Always/OnFailure/Never, dnsPolicy, and nodeName,
serviceAccountName, priorityClassName (DNS subdomains) and hostname/subdomain (DNS
labels) when set. Absent fields are the server's defaults (restartPolicy Always, ...),
so they pass. A Pod's image may not have leading or trailing spaces (templates may).
"""

from __future__ import annotations

from typing import Any

from meshtui.sim import names
from meshtui.sim.errors import (
    FieldError,
    duplicate,
    forbidden,
    integer,
    invalid_value,
    not_supported,
    required,
)
from meshtui.sim.metavalidation import validate_annotations, validate_labels

PROTOCOLS = ["SCTP", "TCP", "UDP"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def container_ports(ports: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, port in enumerate(_list(ports)):
        port, here = _dict(port), f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            messages = names.port_name(name)
            errs += [invalid_value(f"{here}.name", name, msg) for msg in messages]
            if not messages and name in seen:
                errs.append(duplicate(f"{here}.name", name))
            seen.add(name)
        number = integer(port.get("containerPort", 0), f"{here}.containerPort")
        if not number:
            errs.append(required(f"{here}.containerPort"))
        else:
            errs += [invalid_value(f"{here}.containerPort", number, m) for m in names.port_number(number)]
        host = integer(port.get("hostPort", 0), f"{here}.hostPort")
        if host:
            errs += [invalid_value(f"{here}.hostPort", host, m) for m in names.port_number(host)]
        protocol = port.get("protocol", "TCP")
        if not protocol:
            errs.append(required(f"{here}.protocol"))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(f"{here}.protocol", protocol, PROTOCOLS))
    return errs


def _env(env: Any, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, var in enumerate(_list(env)):
        var, here = _dict(var), f"{path}[{i}]"
        name = var.get("name") or ""
        if not name:
            errs.append(required(f"{here}.name"))
        else:
            errs += [invalid_value(f"{here}.name", name, msg) for msg in names.env_var_name(name)]
        if var.get("value") and var.get("valueFrom") is not None:
            errs.append(invalid_value(f"{here}.valueFrom", "", "may not be specified when `value` is not empty"))
    return errs


def _containers(containers: Any, path: str, volumes: set[str], seen: set[str], pod: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, ctr in enumerate(_list(containers)):
        ctr, here = _dict(ctr), f"{path}[{i}]"
        name = ctr.get("name") or ""
        if not name:
            errs.append(required(f"{here}.name"))
        else:
            errs += [invalid_value(f"{here}.name", name, msg) for msg in names.dns1123_label(name)]
            if name in seen:
                errs.append(duplicate(f"{here}.name", name))
            seen.add(name)
        image = ctr.get("image") or ""
        if not image:
            errs.append(required(f"{here}.image"))
        elif pod and image != image.strip():
            errs.append(invalid_value(f"{here}.image", image, "must not have leading or trailing whitespace"))
        errs += container_ports(ctr.get("ports"), f"{here}.ports")
        errs += _env(ctr.get("env"), f"{here}.env")
        policy = ctr.get("imagePullPolicy")
        if policy is not None and policy not in PULL_POLICIES:
            errs.append(not_supported(f"{here}.imagePullPolicy", policy, PULL_POLICIES))
        for k, mount in enumerate(_list(ctr.get("volumeMounts"))):
            mount = _dict(mount)
            if mount.get("name") not in volumes:
                errs.append(FieldError("NotFound", f"{here}.volumeMounts[{k}].name", mount.get("name") or ""))
            if not mount.get("mountPath"):
                errs.append(required(f"{here}.volumeMounts[{k}].mountPath"))
    return errs


def _volumes(volumes: Any, path: str) -> tuple[set[str], list[FieldError]]:
    errs: list[FieldError] = []
    declared: set[str] = set()
    for i, volume in enumerate(_list(volumes)):
        name = _dict(volume).get("name") or ""
        if not name:
            errs.append(required(f"{path}[{i}].name"))
        else:
            errs += [invalid_value(f"{path}[{i}].name", name, msg) for msg in names.dns1123_label(name)]
            if name in declared:
                errs.append(duplicate(f"{path}[{i}].name", name))
        declared.add(name)
    return declared, errs


def validate_pod_spec(spec: Any, path: str, pod: bool) -> list[FieldError]:
    spec = _dict(spec)
    volumes, errs = _volumes(spec.get("volumes"), f"{path}.volumes")
    seen: set[str] = set()
    errs += _containers(spec.get("initContainers"), f"{path}.initContainers", volumes, seen, pod)
    if not _list(spec.get("containers")):
        errs.append(required(f"{path}.containers"))
    errs += _containers(spec.get("containers"), f"{path}.containers", volumes, seen, pod)
    restart = spec.get("restartPolicy", "Always")
    if restart not in RESTART_POLICIES:
        errs.append(not_supported(f"{path}.restartPolicy", restart, RESTART_POLICIES))
    dns = spec.get("dnsPolicy", "ClusterFirst")
    if dns not in DNS_POLICIES:
        errs.append(not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    for field, check in (("nodeName", names.dns1123_subdomain), ("serviceAccountName", names.dns1123_subdomain),
                         ("priorityClassName", names.dns1123_subdomain), ("hostname", names.dns1123_label),
                         ("subdomain", names.dns1123_label)):
        value = spec.get(field)
        if value:
            errs += [invalid_value(f"{path}.{field}", value, msg) for msg in check(str(value))]
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= integer(deadline, f"{path}.activeDeadlineSeconds") <= 2147483647:
        errs.append(invalid_value(f"{path}.activeDeadlineSeconds", deadline,
                                  "must be between 1 and 2147483647, inclusive"))
    return errs


def validate_template(template: Any, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: the template's labels and annotations, then its pod spec."""
    template = _dict(template)
    meta = _dict(template.get("metadata"))
    errs = validate_labels(meta.get("labels"), f"{path}.labels")
    errs += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    return errs + validate_pod_spec(template.get("spec"), f"{path}.spec", pod=False)


def validate_pod_update(spec: Any, old_spec: Any) -> list[FieldError]:
    """A Pod's spec is immutable but for images, activeDeadlineSeconds and added tolerations."""
    def mutable_removed(value: Any) -> dict:
        copy = dict(_dict(value))
        for key in ("containers", "initContainers"):
            copy[key] = [{k: v for k, v in _dict(c).items() if k != "image"} for c in _list(copy.get(key))]
        copy.pop("activeDeadlineSeconds", None)
        copy.pop("tolerations", None)
        return copy

    if mutable_removed(spec) == mutable_removed(old_spec):
        return []
    return [forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,"
                              "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                              "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                              "(allow it to be set to 1 if it was previously negative)")]
