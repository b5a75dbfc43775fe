"""The simulated API server: aiohttp routes, fault middleware, watch and log streams.

Streams behave like the real ones: a watch (watchstream.py) sends its backlog then
live events, bookmarks when asked, ends after `timeoutSeconds`, and answers a
compacted version with an ERROR event carrying a 410 Status; a `follow` log stream
sends lines as they are written and ends when the container restarts or the pod goes.
The fault controls can slow or fail requests and cut streams mid-flight, as flaky
networks and restarts do. A client that goes away is normal: its request or stream
ends quietly (a debug line on the `meshtui.sim` logger, no traceback).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from meshtui.sim import discovery, podlogs, watchstream
from meshtui.sim.api import ResourceApi, Target, error, respond
from meshtui.sim.podlogs import render, select
from meshtui.sim.state import KUBE_VERSION, SimState
from meshtui.sim.store import ApiError
from meshtui.sim.timefmt import parse_ns

logger = logging.getLogger("meshtui.sim")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SimServer:
    """Builds the aiohttp application around one `SimState`."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.api = ResourceApi(self)
        self.address = "127.0.0.1:0"
        self.traffic: Any = None  # set by the runner: meshtui.sim.traffic.Traffic
        self._fault_rng = random.Random(7)

    def app(self) -> web.Application:
        from meshtui.sim.control import add_control_routes

        app = web.Application(client_max_size=256 * 1024 * 1024, middlewares=[self._faults])
        async def version(request: web.Request) -> web.Response:
            return respond(discovery.version_info())

        async def probe(request: web.Request) -> web.Response:
            return web.Response(text="ok")

        async def api(request: web.Request) -> web.Response:
            return respond(discovery.api_versions(self.address))

        async def apis(request: web.Request) -> web.Response:
            return respond(discovery.api_groups(self._metrics_on()))

        async def openapi_root(request: web.Request) -> web.Response:
            return respond(discovery.openapi_v3_root(self._metrics_on()))

        app.router.add_get("/version", version)
        app.router.add_get("/version/", version)
        for path in ("/healthz", "/livez", "/readyz"):
            app.router.add_get(path, probe)
        app.router.add_get("/api", api)
        app.router.add_get("/api/", api)
        app.router.add_get("/apis", apis)
        app.router.add_get("/apis/", apis)
        app.router.add_get("/openapi/v2", self._openapi_v2)
        app.router.add_get("/openapi/v3", openapi_root)
        app.router.add_get("/openapi/v3/{tail:.*}", self._openapi)
        add_control_routes(app, self)
        app.router.add_route("*", "/api/{version}", self._group_version)
        app.router.add_route("*", "/api/{version}/{tail:.*}", self._resource)
        app.router.add_get("/apis/{group}", self._group)
        app.router.add_route("*", "/apis/{group}/{version}", self._group_version)
        app.router.add_route("*", "/apis/{group}/{version}/{tail:.*}", self._resource)
        return app

    def _metrics_on(self) -> bool:
        """metrics.k8s.io is served when the cluster started with it or metrics-server has since been rolled out."""
        if self.state.faults.metrics_unavailable:
            return False
        if self.state.options.metrics:
            return True
        deployment = self.state.store.find(self.state.type("deployments"), "kube-system", "metrics-server")
        return bool(deployment and deployment.get("status", {}).get("availableReplicas"))

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith("/api") or path.startswith("/openapi") or path == "/version":
            faults = self.state.faults
            if faults.api_latency_ms:
                await asyncio.sleep(faults.api_latency_ms / 1000)
            if faults.api_error_rate and path.startswith("/api") and self._fault_rng.random() < faults.api_error_rate:
                return error(ApiError(500, "InternalError", "Internal error occurred: injected by /_sim/faults"))
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except ConnectionResetError:  # the client went away (mid-body, say): normal, nobody to answer
            logger.debug("client went away during %s %s", request.method, path)
            return web.Response(status=499)  # never sent: aiohttp drops it quietly on the closed connection
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a simulator bug must still answer like an API server
            logger.exception("simulated API server error on %s %s", request.method, path)
            return error(ApiError(500, "InternalError", f"Internal error occurred: {type(exc).__name__}: {exc}"))

    async def _openapi_v2(self, request: web.Request) -> web.Response:
        """The OpenAPI v2 document: kubectl reads it to validate a `kind: List` on the client (it splits the
        List itself). It carries no definitions, so kubectl leaves every item's fields to the server's own
        validation, as it does for any kind the document does not describe (CRDs)."""
        if "protobuf" in request.headers.get("Accept", ""):
            def field(number: int, data: bytes) -> bytes:  # protobuf length-delimited field (short values)
                return bytes([number << 3 | 2, len(data)]) + data
            info = field(1, b"Kubernetes") + field(2, KUBE_VERSION.encode())
            return web.Response(body=field(1, b"2.0") + field(2, info),
                                content_type="application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        return respond({"swagger": "2.0", "info": {"title": "Kubernetes", "version": KUBE_VERSION}, "paths": {},
                        "definitions": {}})

    async def _openapi(self, request: web.Request) -> web.Response:
        doc = discovery.openapi_v3_document(request.match_info["tail"], self._metrics_on())
        if doc is None:
            return error(ApiError(404, "NotFound", "the server could not find the requested resource"))
        return respond(doc)

    async def _group(self, request: web.Request) -> web.Response:
        doc = discovery.api_group(request.match_info["group"], self._metrics_on())
        if doc is None:
            return error(ApiError(404, "NotFound", "the server could not find the requested resource"))
        return respond(doc)

    async def _group_version(self, request: web.Request) -> web.Response:
        group = request.match_info.get("group", "")
        version = request.match_info["version"]
        if group == "metrics.k8s.io" and not self._metrics_on():
            return error(ApiError(404, "NotFound", "the server could not find the requested resource"))
        doc = discovery.resource_list(group, version)
        if doc is None:
            return error(ApiError(404, "NotFound", "the server could not find the requested resource"))
        return respond(doc)

    async def _resource(self, request: web.Request) -> web.StreamResponse:
        group = request.match_info.get("group", "")
        parts = [p for p in request.match_info["tail"].split("/") if p]
        if not parts:
            return await self._group_version(request)
        return await self.api.handle(request, group, request.match_info["version"], parts)

    # -- watch -------------------------------------------------------------------------
    async def watch_handler(self, request: web.Request, target: Target) -> web.StreamResponse:
        return await watchstream.serve(self.state, request, target.rt, target.namespace,
                                       self.api.matcher(request, target.rt))

    # -- logs --------------------------------------------------------------------------
    async def logs_handler(self, request: web.Request, target: Target) -> web.StreamResponse:
        """GET pods/NAME/log: container, previous, sinceSeconds/sinceTime, tailLines, timestamps, limitBytes, follow."""
        q = request.query
        pod = self.state.store.get(target.rt, target.namespace, target.name or "")
        name = pod["metadata"]["name"]
        containers = [c["name"] for c in pod["spec"].get("containers", [])]
        inits = [c["name"] for c in pod["spec"].get("initContainers", [])]
        container = q.get("container")
        if not container:
            if len(containers) != 1:
                extra = f" or one of the init containers: [{' '.join(inits)}]" if inits else ""
                raise ApiError(400, "BadRequest", f"a container name must be specified for pod {name}, choose one "
                               f"of: [{' '.join(containers)}]{extra}")
            container = containers[0]
        if container not in containers + inits:
            raise ApiError(400, "BadRequest", f"container {container} is not valid for pod {name}")
        started = any(cs.get("name") == container for cs in pod.get("status", {}).get("containerStatuses", []))
        if container in containers and not started:
            raise ApiError(400, "BadRequest", f'container "{container}" in pod "{name}" is waiting to start: '
                           "ContainerCreating")
        if q.get("sinceSeconds") and q.get("sinceTime"):
            raise ApiError(400, "BadRequest", "at most one of `sinceTime` or `sinceSeconds` may be specified")
        log = self.state.logs.get(target.namespace or "", name, container)
        instance = log.current
        if _flag(q.get("previous")):
            if log.previous is None:
                raise ApiError(400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" '
                               "not found")
            instance = log.previous
        since_ns = None
        if q.get("sinceSeconds"):
            since_ns = time.time_ns() - _number(q["sinceSeconds"], "sinceSeconds") * 1_000_000_000
        elif q.get("sinceTime"):
            try:
                since_ns = parse_ns(q["sinceTime"])
            except (ValueError, IndexError):
                raise ApiError(400, "BadRequest", f"invalid sinceTime {q['sinceTime']!r}") from None
        tail = _number(q["tailLines"], "tailLines") if q.get("tailLines") not in (None, "") else None
        timestamps = _flag(q.get("timestamps"))
        limit = _number(q["limitBytes"], "limitBytes") if q.get("limitBytes") else None
        # Select and remember where the instance was in one step: lines written while the
        # response is being prepared are sent by the follow loop, none is skipped.
        entries = select(instance, since_ns, tail)
        seen = instance.appended
        follow = _flag(q.get("follow")) and instance is log.current
        return await self._stream_log(request, log, instance, entries, seen, timestamps, limit, follow)

    async def _stream_log(self, request: web.Request, log: podlogs.ContainerLog, instance: podlogs.Instance,
                          entries: list, seen: int, timestamps: bool, limit: int | None,
                          follow: bool) -> web.StreamResponse:
        """Send `entries`, then (following) new lines until the instance ends; the drop fault cuts any log stream."""
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        faults = self.state.faults
        sent_lines = 0
        sent_bytes = 0

        async def send(batch: list) -> bool:
            nonlocal sent_lines, sent_bytes
            drop_after = faults.drop_log_streams_after  # read live: applies to open streams too
            cut = bool(drop_after) and sent_lines + len(batch) >= drop_after
            if cut:
                batch = batch[:max(0, drop_after - sent_lines)]
            data = render(batch, timestamps)
            if limit is not None and sent_bytes + len(data) >= limit:
                await response.write(data[:limit - sent_bytes])
                return False
            if data:
                await response.write(data)
            sent_lines += len(batch)
            sent_bytes += len(data)
            if cut:
                if request.transport is not None:
                    request.transport.close()  # the connection drops mid-stream, as a flaky network does
                return False
            return True

        try:
            await response.prepare(request)  # the client may already be gone: aiohttp refuses a closing transport
            for start in range(0, len(entries), 2000):
                if not await send(entries[start:start + 2000]):
                    return response
            if not follow:
                if faults.drop_log_streams_after and sent_lines == faults.drop_log_streams_after \
                        and request.transport is not None:
                    request.transport.close()  # exactly N lines: the end of the body is cut too
                    return response
                await response.write_eof()
                return response
            while True:
                if instance.appended > seen:
                    ring = instance.lines
                    count = min(instance.appended - seen, len(ring))  # rotated before it was sent: gone
                    lines = list(itertools.islice(reversed(ring), count))[::-1]
                    seen = instance.appended
                    for start in range(0, len(lines), 2000):
                        if not await send(lines[start:start + 2000]):
                            return response
                    continue
                if instance.ended:
                    break
                await log.wait(1.0)
        except (ConnectionResetError, asyncio.CancelledError):
            logger.debug("log client went away")  # normal: a client stops reading when it likes
        return response


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _number(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, "BadRequest", f"invalid {name} {value!r}: not an integer") from None
