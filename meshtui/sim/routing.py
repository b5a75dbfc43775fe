"""How a sidecar would route a request: the VirtualService/DestinationRule in force.

`Topology` is a snapshot of services, their ready pods (with the behaviour their
Deployment's environment declares) and the Istio objects, rebuilt when those change.
`choose_rule` and `pick_destination` apply Istio's semantics: rules in order, first
match wins, matches ORed and fields ANDed, weights relative, subsets from the
DestinationRule's labels.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

SIDECAR = "istio-proxy"


def fqdn(host: str, namespace: str) -> str:
    """Resolve a VS/DR host relative to the object's namespace."""
    if host in ("*", "") or host.endswith(".svc.cluster.local"):
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return f"{host}.{namespace}.svc.cluster.local"
    if len(parts) == 2:
        return f"{host}.svc.cluster.local"
    return host


def short(host: str) -> str:
    return host.split(".")[0]


@dataclass(frozen=True)
class Upstream:
    host: str
    port: int
    path: str


@dataclass
class Behaviour:
    """What the app container does, from its environment (same variables as the Go service)."""

    service: str = ""
    version: str = "v1"
    port: int = 0
    upstreams: list[Upstream] = field(default_factory=list)
    latency_ms: float = 5.0
    error_rate: float = 0.0
    log_format: str = "json"
    database: bool = False


@dataclass
class PodInfo:
    namespace: str
    name: str
    ip: str
    labels: dict[str, str]
    app_container: str | None
    sidecar: bool
    behaviour: Behaviour

    @property
    def version(self) -> str:
        return self.labels.get("version", "")


@dataclass
class ServiceInfo:
    namespace: str
    name: str
    fqdn: str
    port: int
    selector: dict[str, str]
    pods: list[PodInfo] = field(default_factory=list)


def behaviour_of(pod: dict) -> tuple[str | None, Behaviour]:
    containers = [c for c in pod.get("spec", {}).get("containers", []) if c.get("name") != SIDECAR]
    if not containers:
        return None, Behaviour()
    app = containers[0]
    env = {e["name"]: str(e.get("value", "")) for e in app.get("env", []) if "value" in e}
    ports = [p.get("containerPort") for p in app.get("ports", []) if p.get("containerPort")]
    behaviour = Behaviour(service=env.get("SERVICE_NAME", ""), version=env.get("VERSION", ""),
                          port=int(env.get("PORT") or (ports[0] if ports else 0) or 0),
                          log_format=env.get("LOG_FORMAT", "json"), database="mysql" in app.get("image", ""))
    try:
        behaviour.latency_ms = float(env.get("LATENCY_MS", "5"))
        behaviour.error_rate = float(env.get("ERROR_RATE", "0"))
    except ValueError:
        pass
    for raw in filter(None, (u.strip() for u in env.get("UPSTREAMS", "").split(","))):
        parsed = urlparse(raw)
        if parsed.hostname:
            behaviour.upstreams.append(Upstream(parsed.hostname, parsed.port or 80, parsed.path or "/"))
    return app["name"], behaviour


def is_ready(pod: dict) -> bool:
    return pod.get("status", {}).get("phase") == "Running" and any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions", []))


class Topology:
    """Services, ready pods and Istio objects as the data plane would see them."""

    def __init__(self, pods: list[dict], services: list[dict], virtual_services: list[dict],
                 destination_rules: list[dict]) -> None:
        self.services: dict[str, ServiceInfo] = {}
        self.pods: dict[tuple[str, str], PodInfo] = {}
        ready = []
        for pod in pods:
            if not is_ready(pod):
                continue
            container, behaviour = behaviour_of(pod)
            info = PodInfo(pod["metadata"]["namespace"], pod["metadata"]["name"], pod["status"].get("podIP", "10.244.0.1"),
                           dict(pod["metadata"].get("labels", {})), container,
                           any(c.get("name") == SIDECAR for c in pod["spec"].get("containers", [])), behaviour)
            self.pods[(info.namespace, info.name)] = info
            ready.append(info)
        for svc in services:
            meta, spec = svc["metadata"], svc.get("spec", {})
            selector = spec.get("selector") or {}
            if not selector:
                continue
            ports = spec.get("ports") or [{"port": 80}]
            name = fqdn(meta["name"], meta["namespace"])
            service = ServiceInfo(meta["namespace"], meta["name"], name, int(ports[0].get("port", 80)), selector)
            service.pods = [p for p in ready if p.namespace == meta["namespace"]
                            and all(p.labels.get(k) == v for k, v in selector.items())]
            self.services[name] = service
        self.virtual_services = sorted(virtual_services, key=lambda v: (v["metadata"].get("creationTimestamp", ""),
                                                                         v["metadata"]["name"]))
        self.destination_rules: dict[str, dict] = {}
        for dr in sorted(destination_rules, key=lambda d: d["metadata"].get("creationTimestamp", "")):
            host = fqdn(dr.get("spec", {}).get("host", ""), dr["metadata"]["namespace"])
            self.destination_rules.setdefault(host, dr)

    def service(self, host: str, namespace: str) -> ServiceInfo | None:
        return self.services.get(fqdn(host, namespace))

    def gateway_pods(self) -> list[PodInfo]:
        return [p for p in self.pods.values() if p.labels.get("istio") == "ingressgateway"]

    def virtual_service_for(self, host_fqdn: str, gateway: str | None) -> dict | None:
        """The first VS that binds `host` for the mesh, or for `gateway` ("ns/name")."""
        for vs in self.virtual_services:
            spec, ns = vs.get("spec", {}), vs["metadata"]["namespace"]
            gateways = spec.get("gateways") or ["mesh"]
            bound = [g if "/" in g or g == "mesh" else f"{ns}/{g}" for g in gateways]
            if gateway is None and "mesh" not in bound:
                continue
            if gateway is not None and gateway not in bound:
                continue
            hosts = [fqdn(h, ns) for h in spec.get("hosts", [])]
            if "*" in hosts or host_fqdn in hosts:
                return vs
        return None

    def subset_labels(self, host_fqdn: str, subset: str) -> dict[str, str] | None:
        dr = self.destination_rules.get(host_fqdn)
        if dr is None:
            return None
        for item in dr.get("spec", {}).get("subsets") or []:
            if item.get("name") == subset:
                return dict(item.get("labels") or {})
        return None

    def traffic_policy(self, host_fqdn: str, subset: str | None) -> dict:
        """The DR's traffic policy, with the subset's own policy layered on top."""
        dr = self.destination_rules.get(host_fqdn)
        if dr is None:
            return {}
        policy = dict(dr.get("spec", {}).get("trafficPolicy") or {})
        for item in dr.get("spec", {}).get("subsets") or []:
            if item.get("name") == subset and item.get("trafficPolicy"):
                policy.update(item["trafficPolicy"])
        return policy


def _string_match(rule: dict | None, value: str | None) -> bool:
    if rule is None:
        return True
    if value is None:
        return False
    if "exact" in rule:
        return value == rule["exact"]
    if "prefix" in rule:
        return value.startswith(rule["prefix"])
    if "regex" in rule:
        return re.fullmatch(rule["regex"], value) is not None
    return True  # {} tests presence


def _match(entry: dict, path: str, method: str, headers: dict[str, str]) -> bool:
    if not _string_match(entry.get("uri"), path.split("?")[0]):
        return False
    if not _string_match(entry.get("method"), method):
        return False
    for name, rule in (entry.get("headers") or {}).items():
        if not _string_match(rule, headers.get(name.lower())):
            return False
    for name, rule in (entry.get("withoutHeaders") or {}).items():
        if _string_match(rule, headers.get(name.lower())):
            return False
    return True


def choose_rule(vs: dict, path: str, method: str, headers: dict[str, str]) -> dict | None:
    """The first HTTP rule whose match applies (no match list matches everything)."""
    for rule in vs.get("spec", {}).get("http") or []:
        matches = rule.get("match")
        if not matches or any(_match(m, path, method, headers) for m in matches):
            return rule
    return None


def pick_destination(rule: dict, rng: random.Random) -> dict | None:
    """A weighted choice among the rule's destinations (weights are relative)."""
    routes = rule.get("route") or []
    if not routes:
        return None
    if len(routes) == 1:
        return routes[0]
    weights = [max(0, int(r.get("weight", 0) or 0)) for r in routes]
    total = sum(weights)
    if total <= 0:
        return routes[0]
    point = rng.uniform(0, total)
    for route, weight in zip(routes, weights, strict=True):
        point -= weight
        if point <= 0 and weight > 0:
            return route
    return routes[-1]


def percent(value: dict | None, default: float = 100.0) -> float:
    if not value:
        return default
    try:
        return float(value.get("value", default))
    except (TypeError, ValueError):
        return default


_UNITS_NS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
             "m": 60_000_000_000, "h": 3_600_000_000_000}


def go_duration_ns(text: str) -> int:
    """Nanoseconds of a duration in Go's `time.ParseDuration` syntax (what istiod decodes with).

    An optional sign, then numbers with optional fractions each followed by a unit, or a
    bare "0". Raises ValueError with Go's reason otherwise ("missing unit", ...).
    """
    if not isinstance(text, str) or not text:
        raise ValueError("invalid duration")
    rest, sign = text, 1
    if rest[0] in "+-":
        sign, rest = (-1 if rest[0] == "-" else 1), rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError("invalid duration")
    total, at = 0, 0
    term = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
    while at < len(rest):
        match = term.match(rest, at)
        if match is None or match.end() == at:
            raise ValueError("invalid duration")
        whole, fraction, unit = match.group(1), match.group(2) or "", match.group(3)
        if not whole and not fraction:
            raise ValueError("invalid duration")
        if not unit:
            raise ValueError("missing unit in duration")
        if unit not in _UNITS_NS:
            raise ValueError(f"unknown unit {unit!r} in duration")
        scale = _UNITS_NS[unit]
        total += int(whole or "0") * scale + (int(fraction) * scale // 10 ** len(fraction) if fraction else 0)
        if total > 2**63 - 1:
            raise ValueError("invalid duration (overflow)")
        at = match.end()
    return sign * total


def duration_ms(text: str | None) -> float | None:
    """Istio duration string -> milliseconds (None when absent or unreadable)."""
    if not text:
        return None
    try:
        return go_duration_ns(text) / 1_000_000 or None
    except ValueError:
        return None
