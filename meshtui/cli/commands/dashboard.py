"""`meshtui dashboard NAME`: port-forward to kiali / grafana / prometheus / jaeger and print the URL."""

from __future__ import annotations

import argparse

from meshtui.cli.context import CliContext


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=["kiali", "grafana", "prometheus", "jaeger", "loki"], help="which dashboard")
    parser.add_argument("--port", type=int, default=0, help="local port on 127.0.0.1 (default: a free one)")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.dashboards import free_port, open_dashboard

    if args.port and not 1 <= args.port <= 65535:
        from meshtui.domain.errors import UsageError

        raise UsageError(f"--port {args.port} is not a TCP port (1-65535)")
    wiring = ctx.wiring
    port = args.port or free_port()

    def ready(url: str) -> None:
        ctx.out.line(f"{args.name}: {url}   (Ctrl-C stops the port-forward)")
        ctx.out.flush()

    try:
        open_dashboard(wiring.kube, wiring.guard, args.name, port, ready, kubeconfig=ctx.args.kubeconfig)
    except KeyboardInterrupt:
        return 0
    return 0
