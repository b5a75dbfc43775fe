"""`meshtui status [--json]`: the Overview's facts, headless.

Names, versions and errors come from the cluster: the human form shows them through
`inert()` (no escape sequence reaches the terminal); `--json` keeps them exact.
"""

from __future__ import annotations

import argparse

from meshtui.cli.context import CliContext
from meshtui.domain.text import inert as t


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-probe", action="store_true", help="do not send a request to the ingress gateway")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    report = ctx.wiring.cluster.status(probe=not args.no_probe)
    out = ctx.out
    if out.json_mode:
        out.json(report.to_dict())
        return 0 if report.info.reachable else 1
    info = report.info
    badge_style = {"LOCAL": "green", "SIMULATED": "cyan", "REMOTE": "red"}.get(info.badge, "")
    out.line(f"context   {out.style(t(info.context), 'bold')}  {out.style(info.badge, badge_style, 'bold')}  "
             f"provider {info.provider}  ({t(info.reason)})")
    if not info.reachable:
        out.line(f"server    {t(info.server)}  {out.style('unreachable', 'red')}: {t(info.error)}")
        return 1
    out.line(f"server    {t(info.server)}  Kubernetes {t(info.kubernetes_version)}")
    out.line(f"nodes     {report.nodes_ready}/{report.nodes} Ready")
    if report.health is not None:
        h = report.health
        phases = ", ".join(f"{n} {t(phase)}" for phase, n in h.phases.items()) or "none"
        colour = "green" if h.ok else "yellow"
        out.line(f"pods      {h.pods} ({phases}); {out.style(f'{h.not_ready} not ready', colour)}; "
                 f"{h.restarts_10m} restarted in the last 10 min; {h.warnings} warning events")
        for key in report.not_ready_pods[:10]:
            out.line(f"          not ready: {t(key)}")
        if len(report.not_ready_pods) > 10:
            out.line(f"          ... and {len(report.not_ready_pods) - 10} more")
    out.line(f"istio     {t(info.istio_version or 'not installed')}")
    if report.ingress is not None:
        probe = report.ingress
        if probe.url is None:
            out.line(f"ingress   {out.style('not reachable', 'yellow')}: {t(probe.detail)}")
        else:
            verdict = out.style("ok", "green") if probe.ok else out.style("failing", "red")
            timing = f" ({probe.latency_ms:.0f} ms)" if probe.latency_ms is not None else ""
            out.line(f"ingress   {t(probe.url)}  {t(probe.detail)}{timing}  {verdict}")
    return 0
