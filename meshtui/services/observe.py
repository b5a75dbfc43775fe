"""The split traffic really takes, measured from the sidecars' access logs (no Prometheus).

Every request a workload sends is logged once by its own sidecar as an outbound line
whose upstream cluster names the host and subset (`outbound|9080|v2|catalog...`), with
status and duration. Counting those over a window gives the observed share per
subset, its success rate and latency percentiles, to set beside the configured weights.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from meshtui.adapters.kube import KubeClient
from meshtui.domain.logs import LogLine
from meshtui.domain.routes import fqdn
from meshtui.services.log_query import LogQuery
from meshtui.services.logs import LogEngine


@dataclass(frozen=True)
class SubsetStats:
    subset: str
    requests: int
    share: float
    errors: int
    p50_ms: float | None
    p95_ms: float | None

    @property
    def success_rate(self) -> float | None:
        return None if not self.requests else (self.requests - self.errors) / self.requests * 100


@dataclass
class Observation:
    host: str
    namespace: str
    window_seconds: float
    total: int = 0
    subsets: list[SubsetStats] = field(default_factory=list)

    def share(self, subset: str) -> float:
        return next((s.share for s in self.subsets if s.subset == subset), 0.0)

    def to_dict(self) -> dict:
        return {"host": self.host, "namespace": self.namespace, "window_seconds": self.window_seconds,
                "total": self.total, "subsets": [{"subset": s.subset, "requests": s.requests,
                                                  "share": round(s.share, 2), "errors": s.errors,
                                                  "success_rate": None if s.success_rate is None else
                                                  round(s.success_rate, 2), "p50_ms": s.p50_ms, "p95_ms": s.p95_ms}
                                                 for s in self.subsets]}


def _percentile(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))])


def summarize(host: str, namespace: str, samples: Iterable[tuple[str, int, int]], window: float) -> Observation:
    """(subset, status, duration_ms) samples -> per-subset share, errors and latency."""
    by: dict[str, list[tuple[int, int]]] = {}
    for subset, status, duration in samples:
        by.setdefault(subset, []).append((status, duration))  # '' = no subset (any pod)
    total = sum(len(v) for v in by.values())
    stats = [SubsetStats(subset, len(rows), len(rows) / total * 100 if total else 0.0,
                         sum(1 for status, _ in rows if status >= 500),
                         _percentile([d for _, d in rows], 0.5), _percentile([d for _, d in rows], 0.95))
             for subset, rows in sorted(by.items())]
    return Observation(host, namespace, window, total, stats)


def outbound_query(host: str, namespace: str, *, seconds: int | None, follow: bool) -> LogQuery:
    """Every sidecar and gateway, lines whose upstream cluster is this host."""
    pattern = rf"outbound\|\d+\|[^| ]*\|{re.escape(fqdn(host, namespace))} "
    return LogQuery(all_namespaces=True, sidecars=True, containers="^istio-proxy$", include=pattern,
                    since_seconds=seconds, tail=-1 if seconds is None and not follow else (0 if follow else None),
                    follow=follow)


def sample_of(line: LogLine, host_fqdn: str) -> tuple[str, int, int] | None:
    fields = line.fields
    if not fields or fields.get("direction") != "outbound" or fields.get("host") != host_fqdn:
        return None
    return fields.get("subset", ""), int(fields["status"]), int(fields["duration"])


def observe_once(kube: KubeClient, host: str, namespace: str, seconds: int) -> Observation:
    """The last `seconds` of traffic to `host`, from the logs already written."""
    target = fqdn(host, namespace)
    engine = LogEngine(kube, outbound_query(host, namespace, seconds=seconds, follow=False))
    samples = [s for batch in engine.fetch() for line in batch.lines if (s := sample_of(line, target))]
    return summarize(host, namespace, samples, seconds)


class LiveObserver:
    """A sliding window over live sidecar logs for the Traffic panel."""

    def __init__(self, kube: KubeClient, host: str, namespace: str, window: float = 60.0) -> None:
        self.host, self.namespace, self.window = host, namespace, window
        self.target = fqdn(host, namespace)
        self._samples: deque[tuple[float, str, int, int]] = deque()
        self._lock = threading.Lock()
        self.engine = LogEngine(kube, outbound_query(host, namespace, seconds=None, follow=True),
                                capacity=200_000, drop_when_full=True)
        self.engine.start()

    def observation(self) -> Observation:
        now = time.monotonic()
        fresh = [s for line in self.engine.drain().lines if (s := sample_of(line, self.target))]
        with self._lock:
            self._samples.extend((now, *sample) for sample in fresh)
            while self._samples and now - self._samples[0][0] > self.window:
                self._samples.popleft()
            rows = [(subset, status, duration) for _, subset, status, duration in self._samples]
        return summarize(self.host, self.namespace, rows, self.window)

    def close(self) -> None:
        self.engine.stop()
