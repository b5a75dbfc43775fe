"""`/_sim/*`: fault and load controls for tests and benchmarks, and the sim's ingress.

The names and JSON bodies are a contract other tools rely on (documented in the
README): faults, compact, flood, log, rotate, stats; plus crash, traffic and info. The
ingress listener turns a real HTTP request on 127.0.0.1 into a simulated request
through the gateway, so `curl .../api/healthz` works as in the seed.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from meshtui.sim.api import respond
from meshtui.sim.selectors import SelectorError, parse_label_selector

if TYPE_CHECKING:
    from meshtui.sim.server import SimServer

FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor"


def _bad(message: str) -> web.Response:
    return respond({"error": message}, 400)


async def _json(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def flood_line(pod: str, index: int) -> str:
    """Deterministic, unique flood content; every 4th line is JSON to exercise parsing."""
    if index % 4 == 3:
        return json.dumps({"level": "info", "msg": f"flood {index}", "pod": pod, "seq": index})
    return f"flood {pod} {index:08d} {FILLER}"


def add_control_routes(app: web.Application, server: SimServer) -> None:
    state = server.state
    floods = [0]  # floods still writing (GET /_sim/stats: "floods_running")

    def app_container(pod: dict, wanted: str | None) -> str | None:
        names = [c["name"] for c in pod["spec"].get("containers", [])]
        if wanted:
            return wanted if wanted in names else None
        return next((n for n in names if n != "istio-proxy"), names[0] if names else None)

    async def faults(request: web.Request) -> web.Response:
        try:
            state.faults.update(await _json(request))
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        return respond(state.faults.as_dict())

    async def compact(request: web.Request) -> web.Response:
        return respond({"resourceVersion": str(state.store.compact())})

    async def flood(request: web.Request) -> web.Response:
        try:
            body = await _json(request)
            namespace = str(body.get("namespace") or "default")
            matches = parse_label_selector(body.get("selector"))
            total = int(body.get("lines", 1000))
            rate = float(body.get("rate") or 0)
        except (ValueError, TypeError, SelectorError) as exc:
            return _bad(str(exc))
        pods = [p for p in state.store.list(state.type("pods"), namespace)
                if matches(p["metadata"].get("labels") or {}) and p.get("status", {}).get("containerStatuses")
                and not p["metadata"].get("deletionTimestamp")]
        named = [(p["metadata"]["name"], app_container(p, body.get("container"))) for p in pods]
        targets = [(name, c) for name, c in named if c]
        if not targets or total <= 0:
            return respond({"pods": [], "lines": 0})
        per_pod = [total // len(targets) + (1 if i < total % len(targets) else 0) for i in range(len(targets))]

        async def run() -> None:
            try:
                await write_all()
            finally:
                floods[0] -= 1

        async def write_all() -> None:
            """At `rate` lines/s overall (paced by the clock, any rate), or as fast as possible in batches."""
            loop = asyncio.get_running_loop()
            written = [0] * len(targets)
            started = loop.time()
            step = max(1, 2000 // len(targets))
            while any(w < n for w, n in zip(written, per_pod, strict=True)):
                elapsed = loop.time() - started
                for i, (pod, container) in enumerate(targets):
                    start = written[i]
                    due = start + step if rate <= 0 else int(elapsed * rate * per_pod[i] / total) + 1
                    end = min(per_pod[i], due, start + 2000)
                    if end > start:
                        state.logs.write(namespace, pod, container, [flood_line(pod, k) for k in range(start, end)])
                        written[i] = end
                await asyncio.sleep(0 if rate <= 0 else 0.02)
        floods[0] += 1
        asyncio.get_running_loop().create_task(run())
        return respond({"pods": [name for name, _ in targets], "lines": sum(per_pod)})

    async def log(request: web.Request) -> web.Response:
        try:
            body = await _json(request)
            lines = body["lines"]
            if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
                raise ValueError("lines must be a list of strings")
            pod = state.store.get(state.type("pods"), body["namespace"], body["pod"])
        except (ValueError, KeyError, TypeError) as exc:
            return _bad(f"bad request: {exc}")
        except Exception as exc:  # ApiError for a missing pod
            return respond({"error": str(exc)}, 404)
        container = app_container(pod, body.get("container"))
        if container is None:
            return _bad("no such container")
        raw = [line.encode("utf-8", "surrogateescape") for line in lines]
        return respond({"lines": state.logs.write(body["namespace"], body["pod"], container, raw),
                        "container": container})

    async def stats(request: web.Request) -> web.Response:
        return respond({"log_lines": state.logs.stats(), "log_instances": state.logs.instances(),
                        "floods_running": floods[0],
                        "requests": dict(sorted(state.request_counts.items())), "resourceVersion": str(state.store.rv)})

    async def log_dump(request: web.Request) -> web.Response:
        """GET /_sim/log?namespace=&pod=&container=: the lines the node holds, per instance (the oracle)."""
        q = request.query
        if not all(q.get(k) for k in ("namespace", "pod", "container")):
            return _bad("namespace, pod and container are required")
        return respond({"instances": state.logs.dump(q["namespace"], q["pod"], q["container"])})

    async def rotate(request: web.Request) -> web.Response:
        """Rotate a container's log as a node does: all but the newest `keep` lines are gone for good."""
        try:
            body = await _json(request)
            pod = state.store.get(state.type("pods"), body["namespace"], body["pod"])
            keep = int(body.get("keep", 0))
            if keep < 0:
                raise ValueError("keep must not be negative")
        except (ValueError, KeyError, TypeError) as exc:
            return _bad(f"bad request: {exc}")
        except Exception as exc:  # ApiError for a missing pod
            return respond({"error": str(exc)}, 404)
        container = app_container(pod, body.get("container"))
        if container is None:
            return _bad("no such container")
        return respond({"rotated": state.logs.rotate(body["namespace"], body["pod"], container, keep),
                        "container": container})

    async def crash(request: web.Request) -> web.Response:
        from meshtui.sim.kubelet import crash as do_crash
        from meshtui.sim.store import ApiError

        try:
            body = await _json(request)
            pod = state.store.get(state.type("pods"), body["namespace"], body["pod"])
            container = app_container(pod, body.get("container"))
            do_crash(state.controllers, body["namespace"], body["pod"], container or "",
                     str(body.get("reason", "Error")), int(body.get("exit_code", 1)))
        except ApiError as exc:
            return respond(exc.status(), exc.code)
        except (ValueError, KeyError, TypeError) as exc:
            return _bad(f"bad request: {exc}")
        return respond({"crashed": f"{body['namespace']}/{body['pod']}/{container}"})

    async def traffic(request: web.Request) -> web.Response:
        try:
            body = await _json(request)
            if "rate" in body:
                state.options.rate = max(0.0, float(body["rate"]))
            send = int(body.get("send", 0))
            headers = body.get("headers")
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        statuses: dict[str, int] = {}
        for _ in range(min(send, 200_000)):
            req = server.traffic.new_request(body.get("path"), headers) if (headers or body.get("path")) else None
            outcome = server.traffic.entry(req)
            statuses[str(outcome.status)] = statuses.get(str(outcome.status), 0) + 1
        return respond({"rate": state.options.rate, "sent": send, "statuses": statuses})

    async def info(request: web.Request) -> web.Response:
        return respond({"url": f"http://{server.address}", "ingress": state.ingress_url, "rate": state.options.rate,
                        "seed": state.options.seed, "faults": state.faults.as_dict()})

    async def bulk_pods(request: web.Request) -> web.Response:
        """Create N running, ready pods at once (scale benchmarks): {"namespace", "pods", "app"}."""
        try:
            body = await _json(request)
            namespace = str(body.get("namespace") or "load")
            count = min(int(body.get("pods", 100)), 20_000)
            app_label = str(body.get("app") or "load")
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        from meshtui.sim.bulk import create_running_pods
        from meshtui.sim.store import ApiError

        try:
            names = create_running_pods(state, namespace, count, app_label)
        except ApiError as exc:  # an invalid namespace or app label, as the API would answer
            return respond(exc.status(), exc.code)
        return respond({"namespace": namespace, "pods": len(names)})

    async def churn(request: web.Request) -> web.Response:
        """Modify pods at a steady rate (restart counts go up): {"namespace", "rate", "seconds"}.

        GET returns what was sent: [[pod, restartCount, epoch seconds], ...].
        """
        from meshtui.sim.bulk import run_churn

        if request.method == "GET":
            return respond({"sent": state.churn_log})
        try:
            body = await _json(request)
            namespace = str(body.get("namespace") or "load")
            rate = float(body.get("rate", 200))
            seconds = float(body.get("seconds", 10))
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        state.churn_log = []
        asyncio.get_running_loop().create_task(run_churn(state, namespace, rate, seconds))
        return respond({"namespace": namespace, "rate": rate, "seconds": seconds})

    app.router.add_post("/_sim/pods", bulk_pods)
    app.router.add_post("/_sim/churn", churn)
    app.router.add_get("/_sim/churn", churn)
    app.router.add_post("/_sim/faults", faults)
    app.router.add_post("/_sim/compact", compact)
    app.router.add_post("/_sim/flood", flood)
    app.router.add_post("/_sim/log", log)
    app.router.add_get("/_sim/log", log_dump)
    app.router.add_post("/_sim/rotate", rotate)
    app.router.add_get("/_sim/stats", stats)
    app.router.add_post("/_sim/crash", crash)
    app.router.add_post("/_sim/traffic", traffic)
    app.router.add_get("/_sim/info", info)


def ingress_app(server: SimServer) -> web.Application:
    """A real HTTP listener whose requests go through the simulated gateway."""
    async def handle(request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        req = server.traffic.new_request(request.path_qs, headers, request.method)
        outcome = server.traffic.entry(req)
        body = outcome.body or {"error": outcome.details}
        if request.path == "/api/healthz" and outcome.status < 400:
            body = {"status": "OK", **body, "db": "ok"}
        return web.Response(body=json.dumps(body), status=outcome.status, content_type="application/json",
                            headers={"x-request-id": req.id, "x-envoy-upstream-service-time": str(int(outcome.duration)),
                                     "server": "istio-envoy"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app
