"""The traffic simulator: requests enter at the ingress gateway and walk the call graph.

Each hop is decided by the VirtualService/DestinationRule in force (weights, header
matches, faults, mirrors, retries, timeouts, connection-pool overflow and outlier
ejection) and leaves what a real mesh leaves: an Envoy access-log line at the caller's
sidecar (outbound) and the callee's (inbound), and an application line (JSON or text,
as the Go service prints) carrying the same x-request-id. Load per pod feeds metrics.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from meshtui.sim import envoy
from meshtui.sim.envoy import Outcome, Request
from meshtui.sim.routing import (
    SIDECAR,
    PodInfo,
    Topology,
    choose_rule,
    duration_ms,
    fqdn,
    percent,
    pick_destination,
    short,
)
from meshtui.sim.state import SimState

USER_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0", "curl/8.5.0", "Mozilla/5.0 (Macintosh) Safari/605.1"]
GATEWAY = "istio-system/shop-gateway"


class Traffic:
    """Generates and routes simulated requests; also serves real ones from the sim ingress."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.rng = state.rng
        self._topology: Topology | None = None
        self._dirty = True
        self._carry = 0.0
        self.consecutive_5xx: dict[tuple[str, str], int] = {}
        self.ejected_until: dict[tuple[str, str], float] = {}
        self.cluster_rate: dict[str, float] = {}
        self._cluster_hits: dict[str, int] = {}
        state.store.listeners.append(self._on_event)

    def _on_event(self, event: object) -> None:
        kind = getattr(event, "obj", {}).get("kind")
        if kind in ("Pod", "Service", "VirtualService", "DestinationRule", "Deployment"):
            self._dirty = True

    def topology(self) -> Topology:
        if self._dirty or self._topology is None:
            st, rt = self.state.store, self.state.type
            self._topology = Topology(st.list(rt("pods")), st.list(rt("services")), st.list(rt("virtualservices")),
                                      st.list(rt("destinationrules")))
            self._dirty = False
        return self._topology

    # -- the generator loop ------------------------------------------------------------
    async def run(self) -> None:
        last = time.monotonic()
        roll_at = last
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            rate = self.state.options.rate
            self._carry += rate * (now - last)
            last = now
            count = int(self._carry)
            self._carry -= count
            for _ in range(min(count, 5000)):
                self.entry()
            if now - roll_at >= 1.0:
                self.state.load.roll(now - roll_at)
                for cluster in set(self.cluster_rate) | set(self._cluster_hits):
                    hits = self._cluster_hits.get(cluster, 0) / (now - roll_at)
                    self.cluster_rate[cluster] = 0.6 * self.cluster_rate.get(cluster, 0.0) + 0.4 * hits
                self._cluster_hits.clear()
                roll_at = now
                self._maybe_crash()

    def _maybe_crash(self) -> None:
        if not self.state.options.crashes or self.state.options.rate <= 0 or self.rng.random() > 1 / 150:
            return
        candidates = [p for p in self.topology().pods.values() if p.behaviour.service and p.app_container]
        if candidates and self.state.controllers is not None:
            from meshtui.sim.kubelet import crash

            victim = self.rng.choice(candidates)
            crash(self.state.controllers, victim.namespace, victim.name, victim.app_container or "",
                  "Error", 2)

    def new_request(self, path: str | None = None, headers: dict[str, str] | None = None,
                    method: str = "GET") -> Request:
        rid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        if "end-user" not in hdrs and headers is None:
            tester = self.rng.random() < self.state.options.tester_share
            hdrs["end-user"] = "tester" if tester else f"user-{self.rng.randrange(1, 500)}"
        hdrs.setdefault("x-request-id", rid)
        if path is None:
            path = self.rng.choice(["/", "/", "/api/products", "/api/products", "/api/cart", "/api/healthz"])
        return Request(hdrs["x-request-id"], method, path, hdrs, hdrs.get("user-agent") or self.rng.choice(USER_AGENTS))

    def entry(self, request: Request | None = None) -> Outcome:
        """One request through the ingress gateway (simulated or real)."""
        topo = self.topology()
        request = request or self.new_request()
        gateways = topo.gateway_pods()
        if not gateways:
            return Outcome(503, 0, "UH", "no_healthy_upstream")
        gateway = self.rng.choice(gateways)
        vs = topo.virtual_service_for("*", GATEWAY)
        if vs is None:
            vs = next((v for v in topo.virtual_services if GATEWAY.split("/")[1] in (v["spec"].get("gateways") or [])),
                      None)
        if vs is None:
            outcome = Outcome(404, 0, "NR", "route_not_found")
            self._log_outbound(gateway, request, "*", outcome, "-", "-", "-")
            return outcome
        self.state.load.hit(gateway.namespace, gateway.name)
        return self.hop(gateway, request, None, vs, depth=0)

    # -- one hop -----------------------------------------------------------------------
    def hop(self, caller: PodInfo, request: Request, host: str | None, vs: dict | None, depth: int) -> Outcome:
        topo = self.topology()
        if vs is None and host is not None:
            vs = topo.virtual_service_for(host, None)
        rule = choose_rule(vs, request.path, request.method, request.headers) if vs else None
        authority = short(host) if host else "*"
        if vs is not None and rule is None:
            outcome = Outcome(404, 0, "NR", "route_not_found")
            self._log_outbound(caller, request, authority, outcome, "-", "-", "-")
            return outcome
        dest = pick_destination(rule, self.rng) if rule else None
        dest_host = fqdn(dest["destination"]["host"], vs["metadata"]["namespace"]) if dest and vs else host or ""
        subset = (dest or {}).get("destination", {}).get("subset") or ""
        service = topo.services.get(dest_host)
        port = int((dest or {}).get("destination", {}).get("port", {}).get("number") or (service.port if service else 80))
        cluster = f"outbound|{port}|{subset}|{dest_host}"
        route_name = (rule or {}).get("name") or "default"
        if authority == "*":
            authority = short(dest_host)
        fault = (rule or {}).get("fault") or {}
        abort, delay = fault.get("abort"), fault.get("delay")
        if abort and self.rng.random() * 100 < percent(abort.get("percentage")):
            outcome = Outcome(int(abort.get("httpStatus", 503)), self.rng.uniform(0, 1), "FI", "fault_filter_abort", 18)
            self.state.count_request(short(dest_host), subset)
            self._log_outbound(caller, request, authority, outcome, "-", cluster, route_name)
            return outcome
        extra, flags = 0.0, "-"
        if delay and self.rng.random() * 100 < percent(delay.get("percentage")):
            extra, flags = duration_ms(delay.get("fixedDelay")) or 0.0, "DI"
        if rule and vs and rule.get("mirror"):
            if self.rng.random() * 100 < percent(rule.get("mirrorPercentage")):
                self._mirror(caller, request, rule["mirror"], vs["metadata"]["namespace"])
        outcome, upstream = self._attempts(caller, request, dest_host, subset, port, rule, fault, depth)
        outcome.duration += extra
        if flags != "-" and outcome.flags == "-":
            outcome.flags = flags
        timeout = duration_ms((rule or {}).get("timeout")) if not fault else None
        if timeout is not None and outcome.duration > timeout:
            outcome = Outcome(504, timeout, "UT", "upstream_response_timeout", 24)
        self.state.count_request(short(dest_host), subset)
        self._cluster_hits[cluster] = self._cluster_hits.get(cluster, 0) + 1
        self._log_outbound(caller, request, authority, outcome, upstream, cluster, route_name)
        return outcome

    def _endpoints(self, host: str, subset: str) -> list[PodInfo] | None:
        topo = self.topology()
        service = topo.services.get(host)
        if service is None:
            return []
        pods = service.pods
        if subset:
            labels = topo.subset_labels(host, subset)
            if labels is None:
                return None
            pods = [p for p in pods if all(p.labels.get(k) == v for k, v in labels.items())]
        now = time.monotonic()
        return [p for p in pods if self.ejected_until.get((p.namespace, p.name), 0) <= now]

    def _attempts(self, caller: PodInfo, request: Request, host: str, subset: str, port: int, rule: dict | None,
                  fault: dict, depth: int) -> tuple[Outcome, str]:
        endpoints = self._endpoints(host, subset)
        if endpoints is None:
            return Outcome(503, 0.1, "NC", "cluster_not_found", 0), "-"
        if not endpoints:
            return Outcome(503, 0.2, "UH", "no_healthy_upstream", 19), "-"
        policy = self.topology().traffic_policy(host, subset)
        if self._overflow(policy, f"outbound|{port}|{subset}|{host}"):
            return Outcome(503, 0.3, "UO", "upstream_reset_before_response_started{overflow}", 81), "-"
        retries = (rule or {}).get("retries") or {}
        attempts = 1 if fault else 1 + int(retries.get("attempts", 2 if rule is None or "retries" not in rule else 0))
        retry_on = str(retries.get("retryOn", "connect-failure,refused-stream,unavailable,cancelled"))
        retry_5xx = "5xx" in retry_on or "gateway-error" in retry_on
        per_try = duration_ms(retries.get("perTryTimeout"))
        total = 0.0
        outcome, pod = Outcome(503, 0, "UH", "no_healthy_upstream"), None
        for attempt in range(max(1, attempts)):
            pod = self.rng.choice(endpoints)
            outcome = self.handle(pod, request, host, port, caller, depth)
            if per_try is not None and outcome.duration > per_try:
                outcome = Outcome(504, per_try, "UT", "upstream_per_try_timeout", 24)
            total += outcome.duration
            self._outlier(policy, pod, outcome.status)
            if outcome.status < 500 or not retry_5xx or attempt == attempts - 1:
                break
        if attempts > 1 and outcome.status >= 500 and retry_5xx:
            outcome.flags = "URX"
        outcome.duration = total
        return outcome, f"{pod.ip}:{port}" if pod else "-"

    def _overflow(self, policy: dict, cluster: str) -> bool:
        pool = policy.get("connectionPool") or {}
        http, tcp = pool.get("http") or {}, pool.get("tcp") or {}
        # Istio sets a limit only when it is above 0: 0 leaves Envoy's (effectively unlimited) default.
        limits = [v for v in (tcp.get("maxConnections"), http.get("http2MaxRequests")) if isinstance(v, int) and v > 0]
        if not limits:
            return False
        capacity = min(limits) + int(http.get("http1MaxPendingRequests", 0) or 0)
        concurrent = self.cluster_rate.get(cluster, 0.0) * 0.05  # ~50 ms per request in flight
        if concurrent <= capacity:
            return False
        return self.rng.random() < 1 - capacity / concurrent

    def _outlier(self, policy: dict, pod: PodInfo, status: int) -> None:
        detection = policy.get("outlierDetection")
        key = (pod.namespace, pod.name)
        if not detection:
            return
        if status >= 500:
            self.consecutive_5xx[key] = self.consecutive_5xx.get(key, 0) + 1
        else:
            self.consecutive_5xx[key] = 0
        threshold = int(detection.get("consecutive5xxErrors", 5) or 0)
        if threshold and self.consecutive_5xx[key] >= threshold:
            self.ejected_until[key] = time.monotonic() + (duration_ms(detection.get("baseEjectionTime")) or 30000) / 1000
            self.consecutive_5xx[key] = 0

    def _mirror(self, caller: PodInfo, request: Request, mirror: dict, namespace: str) -> None:
        host = fqdn(mirror.get("host", ""), namespace)
        subset = mirror.get("subset") or ""
        endpoints = self._endpoints(host, subset) or []
        if endpoints:
            shadow = Request(request.id, request.method, request.path, dict(request.headers), request.agent)
            pod = self.rng.choice(endpoints)
            self.handle(pod, shadow, host, self.topology().services[host].port if host in self.topology().services
                        else 80, caller, depth=9, shadow=True)

    # -- the callee --------------------------------------------------------------------
    def handle(self, pod: PodInfo, request: Request, host: str, port: int, caller: PodInfo, depth: int,
               shadow: bool = False) -> Outcome:
        b = pod.behaviour
        self.state.load.hit(pod.namespace, pod.name)
        duration = max(0.2, b.latency_ms * self.rng.lognormvariate(0, 0.35)) if not b.database else self.rng.uniform(0.5, 3)
        status, message = 200, "served"
        if depth < 8:
            for upstream in b.upstreams:
                sub = Request(request.id, "GET", upstream.path, dict(request.headers), "Go-http-client/1.1")
                result = self.hop(pod, sub, fqdn(upstream.host, pod.namespace), None, depth + 1)
                duration += result.duration
                if result.status >= 500:
                    status, message = 502, f"upstream http://{upstream.host}:{upstream.port}{upstream.path} failed"
        if status == 200 and b.error_rate and self.rng.random() < b.error_rate:
            status, message = 500, "injected application error"
        outcome = Outcome(status, duration, bytes=self.rng.randrange(120, 2400),
                          body={"service": b.service or short(host), "version": b.version or pod.version,
                                "host": pod.name})
        authority = short(host) + ("-shadow" if shadow else "")
        if pod.sidecar:
            line = envoy.inbound_line(request, outcome, authority, pod, port, caller, host)
            self.state.logs.write(pod.namespace, pod.name, SIDECAR, [line])
        if pod.app_container and b.service:
            self.state.logs.write(pod.namespace, pod.name, pod.app_container, [self._app_line(pod, request, outcome,
                                                                                              message)])
        return outcome

    def _app_line(self, pod: PodInfo, request: Request, outcome: Outcome, message: str) -> str:
        b = pod.behaviour
        level = "error" if outcome.status >= 500 else "warn" if outcome.status >= 400 else "info"
        if b.log_format == "json":
            return json.dumps({"ts": envoy.iso_now(), "level": level, "msg": message, "service": b.service,
                               "version": b.version, "method": request.method, "path": request.path,
                               "status": outcome.status, "duration_ms": int(outcome.duration),
                               "request_id": request.id}, separators=(",", ":"))
        stamp = time.strftime("%Y/%m/%d %H:%M:%S")
        return (f"{stamp} {level} {b.service} {request.method} {request.path} {outcome.status} "
                f"{int(outcome.duration)}ms request_id={request.id} {message}")

    def _log_outbound(self, caller: PodInfo, request: Request, authority: str, outcome: Outcome, upstream: str,
                      cluster: str, route: str) -> None:
        if not caller.sidecar and caller.labels.get("istio") != "ingressgateway":
            return
        line = envoy.outbound_line(request, outcome, authority, upstream, cluster, route, caller)
        self.state.logs.write(caller.namespace, caller.name, SIDECAR, [line])
