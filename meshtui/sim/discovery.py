"""Discovery and OpenAPI documents, shaped the way real kubectl needs them.

kubectl's RESTMapper reads `/api`, `/apis` and every group version's resource list
(kind, namespaced, verbs, short names; the core group must say `groupVersion: v1`).
`kubectl apply` reads `/openapi/v3`; a PATCH operation carrying the kind's
`x-kubernetes-group-version-kind` and a `fieldValidation` parameter tells it the
server validates fields itself, so no client-side schema is needed.
"""

from __future__ import annotations

import hashlib
import json

from meshtui.sim import resources
from meshtui.sim.resources import ResourceType
from meshtui.sim.state import KUBE_VERSION


def version_info() -> dict:
    major, minor = KUBE_VERSION.lstrip("v").split(".")[:2]
    return {"major": major, "minor": minor, "gitVersion": KUBE_VERSION, "gitCommit": "0" * 40,
            "gitTreeState": "clean", "buildDate": "2025-02-12T21:17:52Z", "goVersion": "go1.23.6",
            "compiler": "gc", "platform": "linux/amd64"}


def _served(metrics: bool) -> list[ResourceType]:
    return [rt for rt in resources.RESOURCES if metrics or rt.group != resources.METRICS_GROUP]


def api_versions(address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}


def api_groups(metrics: bool) -> dict:
    groups = []
    for group, versions in resources.group_versions().items():
        if not group or (group == resources.METRICS_GROUP and not metrics):
            continue
        preferred = resources.PREFERRED_VERSION.get(group, versions[0])
        groups.append({"name": group, "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                       "preferredVersion": {"groupVersion": f"{group}/{preferred}", "version": preferred}})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str, metrics: bool) -> dict | None:
    """`/apis/GROUP`: the group's versions and its preferred one."""
    for entry in api_groups(metrics)["groups"]:
        if entry["name"] == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **entry}
    return None


def resource_list(group: str, version: str) -> dict | None:
    types = resources.in_group_version(group, version)
    if not types:
        return None
    items = []
    for rt in types:
        entry = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced, "kind": rt.kind,
                 "verbs": list(rt.verbs)}
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        items.append(entry)
        for sub in rt.subresources:
            kind = "Scale" if sub == "scale" else rt.kind
            verbs = ["get"] if sub == "log" else ["get", "patch", "update"]
            sub_entry = {"name": f"{rt.plural}/{sub}", "singularName": "", "namespaced": rt.namespaced, "kind": kind,
                         "verbs": verbs}
            if sub == "scale":
                sub_entry.update({"group": "autoscaling", "version": "v1"})
            items.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": items}


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _gv_document(group: str, version: str) -> dict:
    paths: dict[str, dict] = {}
    schemas: dict[str, dict] = {}
    field_validation = {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
                        "description": "Ignore, Warn or Strict: how the server treats unknown fields"}
    for rt in resources.in_group_version(group, version):
        gvk = {"group": group, "version": version, "kind": rt.kind}
        base = "/" + _gv_path(group, version)
        item = f"{base}/namespaces/{{namespace}}/{rt.plural}/{{name}}" if rt.namespaced else f"{base}/{rt.plural}/{{name}}"
        collection = item.rsplit("/", 1)[0]
        op = {"x-kubernetes-group-version-kind": gvk, "parameters": [field_validation],
              "responses": {"200": {"description": "OK"}}}
        verbs = set(rt.verbs)
        paths[item] = {k: {**op, "operationId": f"{k}{rt.kind}"} for k in ("get", "put", "patch", "delete")
                       if {"get": "get", "put": "update", "patch": "patch", "delete": "delete"}[k] in verbs}
        if "create" in verbs:
            paths[collection] = {"post": {**op, "operationId": f"create{rt.kind}"}}
        if not rt.builtin:
            name = f"io.istio.{group.split('.')[0]}.{version}.{rt.kind}"
            schemas[name] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                             "x-kubernetes-group-version-kind": [gvk],
                             "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                            "metadata": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                            "status": {"type": "object",
                                                       "x-kubernetes-preserve-unknown-fields": True}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": KUBE_VERSION}, "paths": paths,
            "components": {"schemas": schemas}}


def openapi_v3_root(metrics: bool) -> dict:
    paths = {}
    for rt in _served(metrics):
        key = _gv_path(rt.group, rt.version)
        if key not in paths:
            doc = json.dumps(_gv_document(rt.group, rt.version), sort_keys=True)
            digest = hashlib.sha256(doc.encode()).hexdigest()[:32].upper()
            paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}


def openapi_v3_document(path: str, metrics: bool) -> dict | None:
    parts = path.strip("/").split("/")
    if parts[:1] == ["api"] and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[:1] == ["apis"] and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        return None
    if group == resources.METRICS_GROUP and not metrics:
        return None
    if not resources.in_group_version(group, version):
        return None
    return _gv_document(group, version)
