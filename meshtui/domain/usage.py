"""Resource usage as docker and metrics-server report it, and the history behind sparklines.

The CPU % and memory formulas are the docker CLI's own (so meshtui and `docker stats`
agree): CPU % = Δcontainer usage / Δsystem usage × online CPUs × 100; memory = usage
minus inactive file cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

BLOCKS = "▁▂▃▄▅▆▇█"


def cpu_percent(sample: dict) -> float | None:
    """docker stats' CPU %, or None when the sample has no previous reading to compare."""
    cpu, pre = sample.get("cpu_stats") or {}, sample.get("precpu_stats") or {}
    if not pre.get("system_cpu_usage"):
        return None
    usage = (cpu.get("cpu_usage") or {}).get("total_usage", 0)
    previous = (pre.get("cpu_usage") or {}).get("total_usage", 0)
    cpu_delta = usage - previous
    system_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    online = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
    if cpu_delta > 0 and system_delta > 0:
        return cpu_delta / system_delta * online * 100.0
    return 0.0


def memory_used(sample: dict) -> tuple[int, int]:
    """(used bytes, limit bytes) as docker stats computes them since Docker 20.10."""
    memory = sample.get("memory_stats") or {}
    usage = int(memory.get("usage") or 0)
    stats = memory.get("stats") or {}
    inactive = stats.get("total_inactive_file")
    if inactive is not None and inactive < usage:
        used = usage - int(inactive)
    elif stats.get("inactive_file") is not None and stats["inactive_file"] < usage:
        used = usage - int(stats["inactive_file"])
    else:
        used = usage
    return used, int(memory.get("limit") or 0)


def percent(part: float | Decimal | None, whole: float | Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return float(part) / float(whole) * 100.0


class RollingSeries:
    """Values with timestamps, kept for a time window (10 minutes by default)."""

    def __init__(self, window: float = 600.0) -> None:
        self.window = window
        self.points: deque[tuple[float, float]] = deque()

    def add(self, value: float, at: float | None = None) -> None:
        at = time.monotonic() if at is None else at
        self.points.append((at, value))
        while self.points and at - self.points[0][0] > self.window:
            self.points.popleft()

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points]

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None

    def sparkline(self, width: int = 20, maximum: float | None = None) -> str:
        """The last `width` buckets of the window as block characters."""
        values = self.values
        if not values:
            return ""
        if len(values) > width:
            size = len(values) / width
            values = [max(values[int(i * size):max(int((i + 1) * size), int(i * size) + 1)]) for i in range(width)]
        top = maximum if maximum else max(max(values), 1e-9)
        return "".join(BLOCKS[min(len(BLOCKS) - 1, int(max(v, 0) / top * (len(BLOCKS) - 1) + 0.5))] for v in values)


@dataclass(frozen=True)
class HostUsage:
    cpu_percent: float
    per_core: tuple[float, ...]
    load: tuple[float, float, float]
    mem_used: int
    mem_total: int
    swap_used: int
    swap_total: int
    disk_path: str
    disk_used: int
    disk_total: int
    net_rx_rate: float
    net_tx_rate: float


@dataclass(frozen=True)
class ContainerUsage:
    """A Docker container that is a node of the cluster."""

    name: str
    role: str
    status: str
    cpu_percent: float | None
    mem_used: int | None
    mem_limit: int | None
    sample_age: float | None

    @property
    def mem_percent(self) -> float | None:
        return percent(self.mem_used, self.mem_limit)


@dataclass(frozen=True)
class ContainerMetric:
    """One container of one pod, from metrics.k8s.io, beside its requests and limits."""

    namespace: str
    pod: str
    container: str
    node: str
    cpu: float | None
    memory: float | None
    cpu_request: float | None = None
    cpu_limit: float | None = None
    mem_request: float | None = None
    mem_limit: float | None = None
    sidecar: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.pod}/{self.container}"

    @property
    def cpu_of_request(self) -> float | None:
        return percent(self.cpu, self.cpu_request)

    @property
    def cpu_of_limit(self) -> float | None:
        return percent(self.cpu, self.cpu_limit)

    @property
    def mem_of_request(self) -> float | None:
        return percent(self.memory, self.mem_request)

    @property
    def mem_of_limit(self) -> float | None:
        return percent(self.memory, self.mem_limit)

    @property
    def worst_of_limit(self) -> float | None:
        values = [v for v in (self.cpu_of_limit, self.mem_of_limit) if v is not None]
        return max(values) if values else None


@dataclass(frozen=True)
class NodeMetric:
    name: str
    cpu: float | None
    memory: float | None
    cpu_capacity: float | None
    mem_capacity: float | None

    @property
    def cpu_percent(self) -> float | None:
        return percent(self.cpu, self.cpu_capacity)

    @property
    def mem_percent(self) -> float | None:
        return percent(self.memory, self.mem_capacity)


@dataclass
class UsageSnapshot:
    """The three levels at one moment, plus what could not be read and why."""

    at: float
    host: HostUsage | None = None
    containers: list[ContainerUsage] = field(default_factory=list)
    nodes: list[NodeMetric] = field(default_factory=list)
    pods: list[ContainerMetric] = field(default_factory=list)
    metrics_available: bool = True
    notices: list[str] = field(default_factory=list)


def shown_label(top: int, total: int, unit: str = "containers") -> str:
    """`top 25 of 33 containers`, or `all 12 containers` when the top-N covers them all (0 = all)."""
    return f"all {total} {unit}" if top <= 0 or top >= total else f"top {top} of {total} {unit}"


def level(value: float | None, warn: float = 60.0, critical: float = 80.0) -> str:
    """`ok`, `warn` or `critical` for a percentage (of a limit)."""
    if value is None:
        return "ok"
    if value >= critical:
        return "critical"
    return "warn" if value >= warn else "ok"


def human_cores(cores: float | None) -> str:
    if cores is None:
        return "-"
    return f"{cores * 1000:.0f}m" if cores < 1 else f"{cores:.2f}"
