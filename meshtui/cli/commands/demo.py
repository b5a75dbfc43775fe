"""`meshtui demo [--serve]`: the simulated mesh cluster, with the TUI or headless."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TypedDict

from meshtui.cli.context import CliContext

if TYPE_CHECKING:
    from meshtui.sim import SimOptions


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("--serve", action="store_true", help="serve the API headless until Ctrl-C (no TUI)")
    parser.add_argument("--port", type=int, default=0, help="API port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--ingress-port", type=int, default=0,
                        help="port of the simulated ingress gateway on 127.0.0.1 (default: a free one)")
    parser.add_argument("--seed", type=int, default=None, help="random seed: same seed, same cluster and traffic")
    parser.add_argument("--rate", type=float, default=20.0, help="simulated requests per second (0 = no traffic)")
    parser.add_argument("--workers", type=int, default=2, choices=range(0, 9), metavar="N",
                        help="worker nodes besides the control plane (default 2)")
    parser.add_argument("--no-metrics", action="store_true", help="behave as if metrics-server were not installed")
    parser.add_argument("--empty", action="store_true", help="no Istio and no sample apps (for `meshtui up -p sim`)")
    parser.add_argument("--no-crashes", action="store_true", help="never crash containers on purpose")


class DemoOptions(TypedDict):
    seed: int | None
    rate: float
    metrics: bool
    mesh: bool
    workers: int
    crashes: bool


def _option_values(args: argparse.Namespace) -> DemoOptions:
    """The sim's options as keywords, without importing the sim (a second's worth of imports the TUI
    would pay before its first frame; the TUI starts the sim after it)."""
    if args.rate < 0:
        from meshtui.domain.errors import UsageError

        raise UsageError("--rate must be 0 or more")
    return {"seed": args.seed, "rate": args.rate, "metrics": not args.no_metrics, "mesh": not args.empty,
            "workers": args.workers, "crashes": not args.no_crashes}


def _options(args: argparse.Namespace) -> SimOptions:
    from meshtui.sim import SimOptions

    return SimOptions(**_option_values(args))


def kubeconfig_path(args: argparse.Namespace) -> str:
    from meshtui.config import paths

    return args.kubeconfig or str(paths.state_dir() / "sim" / "kubeconfig")


def serve(args: argparse.Namespace, ctx: CliContext) -> int:
    import asyncio
    import signal

    from meshtui.sim import SimCluster

    sim = SimCluster(_options(args), port=args.port, kubeconfig=kubeconfig_path(args), ingress_port=args.ingress_port)

    def ready(cluster: SimCluster) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, cluster.stop_soon)
        if ctx.out.json_mode:
            ctx.out.jsonl({"url": cluster.url, "kubeconfig": str(cluster.kubeconfig), "context": "meshtui-sim",
                           "ingress": cluster.ingress_url})
        else:
            ctx.out.line(f"meshtui demo: serving {cluster.url}  kubeconfig {cluster.kubeconfig}  "
                         f"ingress {cluster.ingress_url}  (Ctrl-C stops)")
        ctx.out.flush()

    try:
        asyncio.run(sim.serve(on_ready=ready))
    except OSError as exc:
        from meshtui.domain.errors import MeshtuiError

        raise MeshtuiError(f"cannot serve the simulated cluster: {exc.strerror or exc}",
                           hint="pick another --port, or leave it out for a free one") from None
    return 0


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.serve:
        return serve(args, ctx)
    from meshtui.cli.commands import tui

    return tui.open_app(ctx, demo=True, demo_options=dict(_option_values(args)))
