"""`meshtui routes list|show|observe`: what is in the cluster, as the Traffic panel shows it.

Rendered from the engine's typed view (`domain.routes.view`), so `show` and the panel
apply the same weight rule. Hosts, subsets and header values come from the cluster:
human output passes them through `inert()`; `--json` stays exact.
"""

from __future__ import annotations

import argparse

from meshtui.cli.context import CliContext
from meshtui.domain import routes as R
from meshtui.domain.routes.present import breaker_text, percent
from meshtui.domain.text import inert


def _weights(weights: dict[str, int]) -> str:
    return " ".join(f"{s or '(any)'}={w}" for s, w in weights.items()) or "-"


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    service = ctx.wiring.routes
    out = ctx.out
    if args.action == "list":
        hosts = service.hosts(args.namespace)
        if out.json_mode:
            out.json([h.__dict__ for h in hosts])
            return 0
        out.table(["namespace", "host", "versions", "weights", "rules", "virtualservice", "destinationrule", "meshtui"],
                  [[inert(h.namespace), inert(h.host), inert(",".join(h.versions) or "-"),
                    inert(_weights(h.weights) if h.virtual_service else "no VirtualService"), h.rules,
                    inert(h.virtual_service or "-"), inert(h.destination_rule or "-"),
                    "created" if h.managed else "changed" if h.touched else "-"] for h in hosts])
        return 0
    if args.action == "show":
        loaded = service.load(args.host, args.namespace)
        routes = loaded.routes
        if out.json_mode:
            out.json({"host": routes.host, "namespace": routes.namespace, "versions": routes.versions,
                      "virtualservice": routes.vs, "destinationrule": routes.dr})
            return 0
        view = loaded.view
        out.line(inert(f"{view.namespace}/{view.host}  subsets {', '.join(view.subsets) or '-'}  "
                       f"versions {', '.join(view.versions) or '-'}"))
        if not view.has_virtual_service:
            out.line("  no VirtualService: traffic is spread over all the host's pods (any change creates one)")
        for rule in view.rules:
            out.line("  " + inert(R.describe(rule)))
        if view.breaker is not None:
            out.line("  " + inert(breaker_text(view.breaker)))
        others = [k for k in view.policy_fields if k not in ("connectionPool", "outlierDetection")]
        if others:
            out.line(f"  traffic policy also sets: {inert(', '.join(others))}")
        return 0
    return _observe(args, ctx)


def _observe(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.observe import observe_once

    service = ctx.wiring.routes
    out = ctx.out
    loaded = service.load(args.host, args.namespace)
    observation = observe_once(service.kube, args.host, loaded.routes.namespace, args.seconds)
    configured = loaded.routes.weights() if loaded.routes.vs is not None else {}
    shares = loaded.view.shares() if loaded.routes.vs is not None else {}
    if out.json_mode:
        out.json({**observation.to_dict(), "configured": configured,
                  "virtualservice": loaded.routes.vs is not None})
        return 0
    out.line(inert(f"{observation.namespace}/{observation.host}: {observation.total} requests in the last "
                   f"{args.seconds}s (from sidecar access logs)"))
    if loaded.routes.vs is None:
        out.line("no VirtualService: the configured column is empty (traffic goes to all pods)")
    out.table(["subset", "configured", "observed", "requests", "success", "p50", "p95"],
              [[inert(s.subset), ("-" if loaded.routes.vs is None else percent(shares.get(s.subset, 0.0))),
                f"{s.share:.1f}%", s.requests, "-" if s.success_rate is None else f"{s.success_rate:.1f}%",
                "-" if s.p50_ms is None else f"{s.p50_ms:.0f}ms", "-" if s.p95_ms is None else f"{s.p95_ms:.0f}ms"]
               for s in observation.subsets])
    return 0
