"""`meshtui usage [--once] [--json]`: host -> node containers -> pods, headless."""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from meshtui.cli.context import CliContext
from meshtui.domain.text import inert as t

if TYPE_CHECKING:
    from meshtui.domain.usage import UsageSnapshot
    from meshtui.services.usage import UsageService


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="print one complete sample and exit")
    parser.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                        help="seconds between samples (default 2)")
    parser.add_argument("--top", type=int, default=15, metavar="N", help="pods to list, highest CPU first (0 = all)")
    parser.add_argument("--kind-cluster", metavar="NAME",
                        help="read the node containers of this kind cluster (default: from the context)")


def _gib(value: float | None) -> str:
    if value is None:
        return "-"
    units = [("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)]
    for unit, size in units:
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} B"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _cores(value: float | None) -> str:
    from meshtui.domain.usage import human_cores

    return human_cores(value)


def render(ctx: CliContext, snapshot: UsageSnapshot, service: UsageService, top: int) -> None:
    out = ctx.out
    h = snapshot.host
    if h is not None:
        cores = " ".join(f"{c:.0f}" for c in h.per_core)
        out.line(f"{out.style('HOST', 'bold')}  cpu {h.cpu_percent:.1f}% [{cores}] {service.series('host/cpu').sparkline(16, 100)}"
                 f"  load {h.load[0]:.2f} {h.load[1]:.2f} {h.load[2]:.2f}")
        out.line(f"      mem {_gib(h.mem_used)}/{_gib(h.mem_total)} ({h.mem_used / max(h.mem_total, 1) * 100:.0f}%)"
                 f"  swap {_gib(h.swap_used)}/{_gib(h.swap_total)}  disk {h.disk_path} {_gib(h.disk_used)}/"
                 f"{_gib(h.disk_total)}  net ↓{_gib(h.net_rx_rate)}/s ↑{_gib(h.net_tx_rate)}/s")
    out.line("")
    out.line(out.style(f"NODE CONTAINERS (docker{', cluster ' + t(service.cluster) if service.cluster else ''})", "bold"))
    if snapshot.containers:
        out.table(["name", "role", "cpu%", "memory", "limit", "mem%", "history"],
                  [[t(c.name), t(c.role), "-" if c.cpu_percent is None else f"{c.cpu_percent:.1f}", _gib(c.mem_used),
                    _gib(c.mem_limit), _pct(c.mem_percent), service.series(f"docker/{c.name}").sparkline(16)]
                   for c in snapshot.containers])
    else:
        out.line("  none found")
    out.line("")
    out.line(out.style("NODES (metrics.k8s.io)", "bold"))
    if snapshot.nodes:
        out.table(["name", "cpu", "cpu%", "memory", "mem%"],
                  [[t(n.name), _cores(n.cpu), _pct(n.cpu_percent), _gib(n.memory), _pct(n.mem_percent)]
                   for n in snapshot.nodes])
    out.line("")
    pods = sorted(snapshot.pods, key=lambda p: -(p.cpu or 0))
    shown = pods if top <= 0 else pods[:top]
    from meshtui.domain.usage import shown_label

    out.line(out.style(f"PODS ({shown_label(top, len(pods))} by CPU)", "bold"))
    if shown:
        out.table(["namespace/pod", "container", "cpu", "%req", "%lim", "memory", "%req", "%lim"],
                  [[t(f"{p.namespace}/{p.pod}"), t(p.container) + (" (sidecar)" if p.sidecar else ""), _cores(p.cpu),
                    _pct(p.cpu_of_request), _pct(p.cpu_of_limit), _gib(p.memory), _pct(p.mem_of_request),
                    _pct(p.mem_of_limit)] for p in shown])
    for notice in snapshot.notices:
        out.line(out.style(f"! {t(notice)}", "yellow"))


def as_json(snapshot: UsageSnapshot, service: UsageService) -> dict[str, Any]:
    data = asdict(snapshot)
    for container in data["containers"]:
        container["mem_percent"] = None if not container["mem_limit"] else \
            (container["mem_used"] or 0) / container["mem_limit"] * 100
    for pod in data["pods"]:
        pod["cpu_of_limit"] = None if not pod["cpu_limit"] or pod["cpu"] is None else pod["cpu"] / pod["cpu_limit"] * 100
        pod["mem_of_limit"] = None if not pod["mem_limit"] or pod["memory"] is None else \
            pod["memory"] / pod["mem_limit"] * 100
    data["cluster"] = service.cluster
    return data


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.domain.errors import UsageError

    if args.interval < 0.5:
        raise UsageError("--interval must be at least 0.5 seconds")
    if args.top < 0:
        raise UsageError("--top must be 0 (all) or more")
    service = ctx.wiring.usage(args.kind_cluster)
    try:
        snapshot = service.first_complete()
        while True:
            if ctx.out.json_mode:
                ctx.out.jsonl(as_json(snapshot, service)) if not args.once else ctx.out.json(as_json(snapshot, service))
            else:
                if not args.once and ctx.out.color:
                    ctx.out.stream.write("\x1b[H\x1b[2J")
                render(ctx, snapshot, service, args.top)
            ctx.out.flush()
            if args.once:
                return 0
            time.sleep(args.interval)
            snapshot = service.sample()
    except KeyboardInterrupt:
        return 0
    finally:
        service.close()
