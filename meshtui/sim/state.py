"""Shared state of one simulated cluster: options, the store, logs, load, faults.

Controllers, the traffic simulator, metrics and the HTTP handlers all hold the same
`SimState`; it lives on the server's event loop, so none of them needs a lock.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

from meshtui.sim import resources
from meshtui.sim.podlogs import PodLogs
from meshtui.sim.store import Store

ISTIO_VERSION = "1.28.6"
KUBE_VERSION = "v1.32.2"
CLUSTER_NAME = "meshtui-sim"


@dataclass
class SimOptions:
    """How the simulated cluster behaves."""

    seed: int | None = None
    """Random seed: the same seed gives the same names, routing decisions and crashes."""
    rate: float = 20.0
    """Requests per second entering at the ingress gateway (0 = no simulated traffic)."""
    mesh: bool = True
    """Create the default mesh (istio-system + the shop sample); False gives an empty cluster."""
    metrics: bool = True
    """Serve metrics.k8s.io (as if metrics-server were installed)."""
    workers: int = 2
    """Worker nodes besides the control plane."""
    speed: float = 1.0
    """Pod lifecycle speed: 2.0 starts pods twice as fast."""
    crashes: bool = True
    """Occasionally crash a container while traffic flows (restarts, BackOff events)."""
    ring: int = 100_000
    """Log lines kept per container."""
    history: int = 50_000
    """Watch events kept before a resume gets 410 Gone."""
    continue_lifetime: float = 300.0
    """Seconds a paged list's `continue` token stays valid (the API server's etcd compacts every 5 minutes)."""
    tester_share: float = 0.1
    """Share of simulated users that send `end-user: tester`."""


@dataclass
class Faults:
    """Fault injection for tests and benchmarks (POST /_sim/faults)."""

    drop_log_streams_after: int = 0
    drop_watches_every: float = 0.0
    api_latency_ms: float = 0.0
    api_error_rate: float = 0.0
    status_lag_ms: float = 0.0
    """How long a pod's status lags a container restart: a kubelet reports it after its next relist,
    while the node already serves the new instance's log (and `previous=true` the old one)."""
    metrics_unavailable: bool = False
    metrics_units: str = "standard"
    """`standard` (n and Ki, as metrics-server) or `mixed` (n, u, m, plain; Ki, Mi, Gi, plain)."""

    def update(self, data: dict) -> None:
        """Apply the given controls; 0 or null turns one off. All-or-nothing on bad input."""
        unknown = set(data) - {*self.as_dict()}
        if unknown:
            raise ValueError(f"unknown fault controls: {', '.join(sorted(unknown))}")
        values = {}
        for name in ("drop_log_streams_after", "drop_watches_every", "api_latency_ms", "api_error_rate",
                     "status_lag_ms"):
            if name in data:
                values[name] = type(getattr(self, name))(data[name] or 0)
                if values[name] < 0:
                    raise ValueError(f"{name} must not be negative")
        if not 0.0 <= values.get("api_error_rate", 0.0) <= 1.0:
            raise ValueError("api_error_rate must be between 0 and 1")
        if "metrics_unavailable" in data:
            values["metrics_unavailable"] = bool(data["metrics_unavailable"])
        if "metrics_units" in data:
            if data["metrics_units"] not in ("standard", "mixed"):
                raise ValueError("metrics_units must be standard or mixed")
            values["metrics_units"] = data["metrics_units"]
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self) -> dict:
        return {"drop_log_streams_after": self.drop_log_streams_after, "drop_watches_every": self.drop_watches_every,
                "api_latency_ms": self.api_latency_ms, "api_error_rate": self.api_error_rate,
                "status_lag_ms": self.status_lag_ms,
                "metrics_unavailable": self.metrics_unavailable, "metrics_units": self.metrics_units}


@dataclass
class Load:
    """Requests handled per pod, for metrics that follow traffic."""

    requests: dict[tuple[str, str], float] = field(default_factory=dict)
    rate: dict[tuple[str, str], float] = field(default_factory=dict)

    def hit(self, namespace: str, pod: str, amount: float = 1.0) -> None:
        key = (namespace, pod)
        self.requests[key] = self.requests.get(key, 0.0) + amount

    def roll(self, seconds: float) -> None:
        """Turn counts into a smoothed requests/second per pod."""
        for key in set(self.rate) | set(self.requests):
            current = self.requests.get(key, 0.0) / seconds if seconds > 0 else 0.0
            self.rate[key] = 0.7 * self.rate.get(key, 0.0) + 0.3 * current
        self.requests.clear()


class SimState:
    """Everything one simulated cluster knows."""

    def __init__(self, options: SimOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.store = Store(history=options.history, rng=random.Random(self.rng.getrandbits(64)))
        self.logs = PodLogs(options.ring)
        self.faults = Faults()
        self.load = Load()
        self.request_counts: dict[str, int] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ingress_url: str | None = None
        self.controllers: Any = None
        self.churn_log: list[list[Any]] = []
        self.rt = {
            "namespaces": resources.find("", "v1", "namespaces"),
            "nodes": resources.find("", "v1", "nodes"),
            "pods": resources.find("", "v1", "pods"),
            "services": resources.find("", "v1", "services"),
            "events": resources.find("", "v1", "events"),
            "configmaps": resources.find("", "v1", "configmaps"),
            "secrets": resources.find("", "v1", "secrets"),
            "deployments": resources.find("apps", "v1", "deployments"),
            "replicasets": resources.find("apps", "v1", "replicasets"),
            "virtualservices": resources.find(resources.ISTIO_GROUP, "v1", "virtualservices"),
            "destinationrules": resources.find(resources.ISTIO_GROUP, "v1", "destinationrules"),
            "gateways": resources.find(resources.ISTIO_GROUP, "v1", "gateways"),
        }

    def type(self, name: str) -> resources.ResourceType:
        rt = self.rt[name]
        assert rt is not None
        return rt

    def stored_types(self) -> list[resources.ResourceType]:
        """One type per storage key (for cascades)."""
        return resources.stored_types()

    def count_request(self, host: str, subset: str) -> None:
        key = f"{host}/{subset or '-'}"
        self.request_counts[key] = self.request_counts.get(key, 0) + 1
