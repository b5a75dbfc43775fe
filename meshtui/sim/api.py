"""HTTP handlers for resource paths: list, watch, get, create, replace, patch, delete.

Paths are parsed the way the API server lays them out (`/api/v1/...`,
`/apis/GROUP/VERSION/...`, `namespaces/NS/PLURAL/NAME/SUBRESOURCE`); errors are
`kind: Status` bodies with the real codes and reasons. Lists come in pages when asked
(`limit`/`continue`, see paging.py), Tables included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from meshtui.sim import metrics, patching, resources, tables
from meshtui.sim.paging import Pager
from meshtui.sim.resources import ResourceType
from meshtui.sim.selectors import SelectorError, parse_field_selector, parse_label_selector
from meshtui.sim.store import ApiError

if TYPE_CHECKING:
    from meshtui.sim.server import SimServer


@dataclass
class Target:
    rt: ResourceType
    namespace: str | None
    name: str | None
    sub: str | None


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def respond(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def error(exc: ApiError) -> web.Response:
    return respond(exc.status(), exc.code)


def parse_target(group: str, version: str, parts: list[str]) -> Target:
    """Map the path after the group/version onto a resource, namespace, name, subresource."""
    def lookup(plural: str) -> ResourceType:
        rt = resources.find(group, version, plural)
        if rt is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return rt

    if len(parts) >= 3 and parts[0] == "namespaces":
        candidate = resources.find(group, version, parts[2])
        if candidate is not None and candidate.namespaced:
            return Target(candidate, parts[1], parts[3] if len(parts) > 3 else None, parts[4] if len(parts) > 4 else None)
    rt = lookup(parts[0])
    return Target(rt, None, parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)


def served(rt: ResourceType, obj: dict) -> dict:
    """The object as seen through `rt`'s version (Istio objects are served in three)."""
    if obj.get("apiVersion") != rt.api_version:
        return {**obj, "apiVersion": rt.api_version}
    return obj


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


async def body_of(request: web.Request) -> Any:
    raw = await request.read()
    ctype = request.headers.get("Content-Type", "application/json").split(";")[0].strip()
    if ctype not in ("application/json", "application/yaml", "", patching.APPLY, patching.MERGE, patching.JSON_PATCH,
                     patching.STRATEGIC):
        raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                       "media types include: application/json, application/yaml")
    try:
        if ctype in (patching.APPLY, "application/yaml"):
            return yaml.safe_load(raw) if raw else None
        return json.loads(raw) if raw else None
    except (ValueError, yaml.YAMLError) as exc:
        raise ApiError(400, "BadRequest", f"the body of the request could not be decoded: {exc}") from None


class ResourceApi:
    """The resource endpoints of one simulated server."""

    def __init__(self, server: SimServer) -> None:
        self.server = server
        self.state = server.state
        self.store = server.state.store
        self.pages = Pager(self.store, lambda: self.state.options.continue_lifetime)

    async def handle(self, request: web.Request, group: str, version: str, parts: list[str]) -> web.StreamResponse:
        try:
            target = parse_target(group, version, parts)
            if target.rt.group == resources.METRICS_GROUP:
                return self._metrics(request, target)
            method = request.method
            if target.sub == "log" and method == "GET":
                return await self.server.logs_handler(request, target)
            if target.sub == "scale":
                return await self._scale(request, target)
            if target.name is None:
                if method == "GET":
                    if _flag(request, "watch"):
                        return await self.server.watch_handler(request, target)
                    return self._list(request, target)
                if method == "POST":
                    return await self._create(request, target)
                if method == "DELETE":
                    return self._delete_collection(request, target)
            else:
                if method == "GET":
                    obj = self.store.get(target.rt, target.namespace, target.name)
                    if "as=Table" in request.headers.get("Accept", ""):
                        return respond(tables.to_table(target.rt, [obj], obj["metadata"]["resourceVersion"]))
                    return respond(served(target.rt, obj))
                if method == "PUT":
                    return await self._replace(request, target)
                if method == "PATCH":
                    return await self._patch(request, target)
                if method == "DELETE" and target.rt.kind == "Pod" and request.query.get("dryRun") != "All":
                    from meshtui.sim.kubelet import delete_pod

                    deleted = delete_pod(self.state.controllers, target.namespace or "", target.name,
                                         await _grace_period(request))
                    return respond(served(target.rt, deleted))
                if method == "DELETE":
                    deleted = self.store.delete(target.rt, target.namespace, target.name,
                                                dry_run=request.query.get("dryRun") == "All",
                                                types=self.state.stored_types())
                    return respond(served(target.rt, deleted))
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        except ApiError as exc:
            return error(exc)
        except SelectorError as exc:
            return error(ApiError(400, "BadRequest", str(exc)))
        except patching.PatchError as exc:
            return error(ApiError(422, "Invalid", str(exc)))

    def matcher(self, request: web.Request, rt: ResourceType) -> Callable[[dict], bool]:
        labels = parse_label_selector(request.query.get("labelSelector"))
        fields = parse_field_selector(request.query.get("fieldSelector"), rt.kind)
        return lambda obj: labels(obj.get("metadata", {}).get("labels") or {}) and fields(obj)

    def _list(self, request: web.Request, target: Target) -> web.Response:
        rt, query = target.rt, request.query
        page = self.pages.page(rt, target.namespace, self.matcher(request, rt), dict(query),
                               filtered=bool(query.get("labelSelector") or query.get("fieldSelector")))
        if "as=Table" in request.headers.get("Accept", ""):
            return respond({**tables.to_table(rt, page.items, page.resource_version), "metadata": page.meta()})
        return respond({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": page.meta(),
                        "items": [served(rt, o) for o in page.items]})

    def _metrics(self, request: web.Request, target: Target) -> web.Response:
        if not self.state.options.metrics or self.state.faults.metrics_unavailable:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if request.method != "GET":
            raise ApiError(405, "MethodNotAllowed", "metrics are read-only")
        items = (metrics.node_metrics(self.state) if target.rt.kind == "NodeMetrics"
                 else metrics.pod_metrics(self.state, target.namespace))
        matches = self.matcher(request, target.rt)
        items = [i for i in items if matches(i)]
        if target.name is not None:
            found = next((i for i in items if i["metadata"]["name"] == target.name), None)
            if found is None:
                raise ApiError(404, "NotFound", f'{target.rt.qualified} "{target.name}" not found')
            return respond(found)
        return respond({"kind": target.rt.list_kind, "apiVersion": target.rt.api_version,
                        "metadata": {}, "items": items})

    async def _create(self, request: web.Request, target: Target) -> web.Response:
        body = await body_of(request)
        obj = self.store.create(target.rt, target.namespace, body, dry_run=request.query.get("dryRun") == "All",
                                namespaces=self.state.type("namespaces"))
        return respond(served(target.rt, obj), 201)

    async def _replace(self, request: web.Request, target: Target) -> web.Response:
        body = await body_of(request)
        obj = self.store.replace(target.rt, target.namespace, target.name or "", body,
                                 dry_run=request.query.get("dryRun") == "All", subresource=target.sub)
        return respond(served(target.rt, obj))

    async def _patch(self, request: web.Request, target: Target) -> web.Response:
        rt, name = target.rt, target.name or ""
        ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
        body = await body_of(request)
        dry_run = request.query.get("dryRun") == "All"
        if ctype == patching.STRATEGIC and not rt.builtin:
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                           "media types include: application/json-patch+json, application/merge-patch+json, "
                           "application/apply-patch+yaml")
        current = self.store.find(rt, target.namespace, name)
        if ctype == patching.APPLY:
            if not isinstance(body, dict):
                raise ApiError(400, "BadRequest", "an apply patch must be an object")
            if current is None:
                obj = self.store.create(rt, target.namespace, {**body, "metadata": {**body.get("metadata", {}),
                                                                                      "name": name}},
                                        dry_run=dry_run, namespaces=self.state.type("namespaces"))
                return respond(served(rt, obj), 201)
            merged = (patching.strategic_merge_patch if rt.builtin else patching.merge_patch)(current, body)
        elif current is None:
            raise ApiError(404, "NotFound", f'{rt.qualified} "{name}" not found', {"name": name, "kind": rt.plural})
        elif ctype == patching.JSON_PATCH:
            merged = patching.json_patch(current, body)
        elif ctype == patching.MERGE:
            merged = patching.merge_patch(current, body)
        elif ctype == patching.STRATEGIC:
            merged = patching.strategic_merge_patch(current, body)
        else:
            raise ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - "
                           f"accepted media types include: {patching.JSON_PATCH}, {patching.MERGE}, "
                           f"{patching.APPLY}" + (f", {patching.STRATEGIC}" if rt.builtin else ""))
        wanted = (body or {}).get("metadata", {}).get("resourceVersion") if isinstance(body, dict) else None
        merged.setdefault("metadata", {})["resourceVersion"] = wanted or current["metadata"]["resourceVersion"]
        obj = self.store.replace(rt, target.namespace, name, merged, dry_run=dry_run, subresource=target.sub,
                                 require_version=False)
        return respond(served(rt, obj))

    def _delete_collection(self, request: web.Request, target: Target) -> web.Response:
        items = self.store.list(target.rt, target.namespace, self.matcher(request, target.rt))
        for item in items:
            self.store.delete(target.rt, item["metadata"].get("namespace"), item["metadata"]["name"],
                              types=self.state.stored_types())
        return respond({"kind": target.rt.list_kind, "apiVersion": target.rt.api_version, "metadata": {},
                        "items": [served(target.rt, i) for i in items]})

    async def _scale(self, request: web.Request, target: Target) -> web.Response:
        rt, name = target.rt, target.name or ""
        current = self.store.get(rt, target.namespace, name)
        if request.method in ("PUT", "PATCH"):
            body = await body_of(request)
            if request.method == "PATCH":
                scale = self._scale_object(current)
                ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
                body = patching.json_patch(scale, body) if ctype == patching.JSON_PATCH else \
                    patching.merge_patch(scale, body)
            replicas = (body or {}).get("spec", {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise ApiError(422, "Invalid", f"Scale.autoscaling \"{name}\" is invalid: spec.replicas: must be >= 0")
            current = self.store.mutate(rt, target.namespace, name,
                                        lambda o: o["spec"].__setitem__("replicas", replicas))
        elif request.method != "GET":
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on scale")
        return respond(self._scale_object(current))

    @staticmethod
    def _scale_object(obj: dict) -> dict:
        meta = obj["metadata"]
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": meta["name"], "namespace": meta.get("namespace"), "uid": meta.get("uid"),
                             "resourceVersion": meta.get("resourceVersion"),
                             "creationTimestamp": meta.get("creationTimestamp")},
                "spec": {"replicas": obj.get("spec", {}).get("replicas", 1)},
                "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                           "selector": ",".join(f"{k}={v}" for k, v in
                                                obj.get("spec", {}).get("selector", {}).get("matchLabels", {}).items())}}


async def _grace_period(request: web.Request) -> int | None:
    """gracePeriodSeconds from the query or the DeleteOptions body (None: the pod's own)."""
    raw: object = request.query.get("gracePeriodSeconds")
    if raw is None and request.can_read_body:
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            body = {}
        raw = body.get("gracePeriodSeconds") if isinstance(body, dict) else None
    try:
        return None if raw is None else int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ApiError(400, "BadRequest", f"invalid gracePeriodSeconds {raw!r}") from None
