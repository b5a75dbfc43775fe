"""Envoy access-log lines in Istio's default text format, for the simulated sidecars.

Format (meshConfig.accessLogFile with the default accessLogFormat):
[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER%
%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%
%REQUESTED_SERVER_NAME% %ROUTE_NAME%
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshtui.sim.routing import PodInfo


@dataclass
class Request:
    """One simulated HTTP request as it travels the mesh."""

    id: str
    method: str
    path: str
    headers: dict[str, str]
    agent: str


@dataclass
class Outcome:
    """What one hop answered: status, time taken, Envoy's response flags and details, the body."""

    status: int
    duration: float
    flags: str = "-"
    details: str = "via_upstream"
    bytes: int = 0
    body: dict | None = None


def iso_now() -> str:
    """Envoy's %START_TIME% default: millisecond precision, UTC."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _port() -> int:
    return 30000 + (time.perf_counter_ns() // 1000) % 30000


def outbound_line(request: Request, outcome: Outcome, authority: str, upstream: str, cluster: str, route: str,
                  caller: PodInfo) -> str:
    """The caller's sidecar (or the gateway) logs the request it sent."""
    service_time = "-" if outcome.flags in ("FI", "NC", "UH", "NR", "UO") else str(max(0, int(outcome.duration) - 1))
    local = f"{caller.ip}:{_port()}" if upstream != "-" else "-"
    remote_port = cluster.split("|")[1] if cluster.count("|") == 3 else "80"
    return (f'[{iso_now()}] "{request.method} {request.path} HTTP/1.1" {outcome.status} {outcome.flags} '
            f'{outcome.details} - "-" 0 {outcome.bytes} {int(outcome.duration)} {service_time} "-" '
            f'"{request.agent}" "{request.id}" "{authority}:{remote_port}" "{upstream}" {cluster} {local} '
            f'10.96.0.10:{remote_port} {caller.ip}:{_port()} - {route}')


def inbound_line(request: Request, outcome: Outcome, authority: str, pod: PodInfo, port: int, caller: PodInfo,
                 host: str) -> str:
    """The callee's sidecar logs the request it received and passed to the app."""
    version = pod.version or "-"
    return (f'[{iso_now()}] "{request.method} {request.path} HTTP/1.1" {outcome.status} - via_upstream - "-" 0 '
            f'{outcome.bytes} {int(outcome.duration)} {max(0, int(outcome.duration) - 1)} "-" "{request.agent}" '
            f'"{request.id}" "{authority}:{port}" "{pod.ip}:{port}" inbound|{port}|| 127.0.0.6:{_port()} '
            f'{pod.ip}:{port} {caller.ip}:{_port()} outbound_.{port}_.{version}_.{host} default')
