"""The developer's machine through psutil: CPU, memory, swap, disk, network, inotify.

Plain functions returning plain numbers; the usage service keeps the history and
the doctor compares them with what a profile needs.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class HostSnapshot:
    """One reading of the host."""

    at: float
    cpu_percent: float
    per_core: tuple[float, ...]
    load: tuple[float, float, float]
    mem_total: int
    mem_used: int
    mem_available: int
    swap_total: int
    swap_used: int
    disk_path: str
    disk_total: int
    disk_used: int
    net_sent: int
    net_recv: int


def prime_cpu() -> None:
    """psutil's first cpu_percent() is meaningless; call once before sampling."""
    psutil.cpu_percent(interval=None)
    psutil.cpu_percent(interval=None, percpu=True)


def snapshot(disk_path: str) -> HostSnapshot:
    """Read everything at once (non-blocking: CPU % is since the previous call)."""
    mem = psutil.virtual_memory()
    swap = psutil.swap_memory()
    path = disk_path if os.path.exists(disk_path) else str(Path.home())
    try:
        disk = psutil.disk_usage(path)
        disk_total, disk_used = disk.total, disk.used
    except OSError:
        disk_total = disk_used = 0
    sent, recv = network_bytes()
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    return HostSnapshot(
        at=time.monotonic(), cpu_percent=psutil.cpu_percent(interval=None),
        per_core=tuple(psutil.cpu_percent(interval=None, percpu=True)), load=(load[0], load[1], load[2]),
        mem_total=mem.total, mem_used=mem.total - mem.available, mem_available=mem.available,
        swap_total=swap.total, swap_used=swap.used, disk_path=path, disk_total=disk_total,
        disk_used=disk_used, net_sent=sent, net_recv=recv)


def _loopback(name: str, stats: dict[str, object]) -> bool:
    flags = getattr(stats.get(name), "flags", "")
    return "loopback" in str(flags).split(",") or name == "lo" or name.startswith("lo0")


def network_bytes() -> tuple[int, int]:
    """(sent, received) bytes over every interface but loopback.

    Loopback traffic is sent and received at once by this machine (the simulated cluster, a
    local registry, port-forwards), so counting it would make download always equal upload.
    """
    try:
        counters = psutil.net_io_counters(pernic=True)
        stats: dict[str, object] = dict(psutil.net_if_stats())
    except OSError:
        return 0, 0
    sent = recv = 0
    for name, counter in counters.items():
        if not _loopback(name, stats):
            sent += counter.bytes_sent
            recv += counter.bytes_recv
    return sent, recv


def cpu_count() -> int:
    return psutil.cpu_count(logical=True) or 1


def memory_total() -> int:
    return psutil.virtual_memory().total


def memory_available() -> int:
    return psutil.virtual_memory().available


def disk_free(path: str) -> tuple[str, int]:
    """(path actually measured, free bytes) for `path` or the nearest existing parent."""
    target = Path(path)
    while not target.exists() and target != target.parent:
        target = target.parent
    return str(target), psutil.disk_usage(str(target)).free


def inotify_limits() -> tuple[int, int] | None:
    """(max_user_watches, max_user_instances) on Linux, None elsewhere."""
    base = Path("/proc/sys/fs/inotify")
    try:
        watches = int((base / "max_user_watches").read_text().strip())
        instances = int((base / "max_user_instances").read_text().strip())
    except (OSError, ValueError):
        return None
    return watches, instances
