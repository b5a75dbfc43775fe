"""`meshtui routes list|show|observe`: what is in the cluster, as the Traffic panel shows it.

Rendered from the engine's typed view (`domain.routes.view`), so `list`, `show` and the
panel apply the same weight rule and print the same percentages (relative weights
normalised; traffic to another host named as such). Hosts, subsets and header values
come from the cluster: human output passes them through `inert()`; `--json` stays exact.
The JSON of `list` and `show` share their keys: a `show` document is its `list` row plus
the subsets, one line per rule (`rule_texts`) and the specs.
"""

from __future__ import annotations

import argparse

from meshtui.cli.commands.routes_write import check_namespace_flag
from meshtui.cli.context import CliContext
from meshtui.domain import routes as R
from meshtui.domain.errors import UsageError
from meshtui.domain.routes.inputs import Inputs, InvalidInput
from meshtui.domain.routes.present import breaker_text, percent
from meshtui.domain.text import inert

MAX_WINDOW = 86_400


def shares_text(shares: dict[str, float | None]) -> str:
    """`v1 90%, v2 10%` (`(any pod)` for no subset, `host (another host)` for traffic that leaves)."""
    def label(key: str) -> str:
        return f"{key.removeprefix('→ ')} (another host)" if key.startswith("→ ") else key or "(any pod)"
    return ", ".join(f"{label(k)} {percent(v)}" for k, v in shares.items()) or "-"


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    check_namespace_flag(args)
    if args.action == "observe":
        return _observe(args, ctx)
    service = ctx.wiring.routes
    out = ctx.out
    if args.action == "list":
        hosts = service.hosts(args.namespace)
        if out.json_mode:
            out.json([h.to_json() for h in hosts])
            return 0
        out.table(["namespace", "host", "versions", "traffic", "rules", "virtualservice", "destinationrule", "meshtui"],
                  [[inert(h.namespace), inert(h.host), inert(",".join(h.versions) or "-"),
                    inert(shares_text(dict(h.shares)) if h.virtual_service else "no VirtualService"), h.rules,
                    inert(h.virtual_service or "-"), inert(h.destination_rule or "-"),
                    "created" if h.managed else "changed" if h.touched else "-"] for h in hosts])
        return 0
    loaded = service.load(args.host, args.namespace)
    routes, view = loaded.routes, loaded.view
    if out.json_mode:
        out.json({**loaded.summary.to_json(), "subsets": list(view.subsets),
                  "rule_texts": [R.describe(rule) for rule in view.rules],
                  "specs": {"virtual_service": routes.vs, "destination_rule": routes.dr}})
        return 0
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


def _window(args: argparse.Namespace) -> int:
    inputs = Inputs()
    seconds = inputs.integer("seconds", "60" if args.seconds is None else args.seconds, minimum=1,
                             maximum=MAX_WINDOW, example=60)
    try:
        inputs.check()
    except InvalidInput as exc:
        raise UsageError(inert("; ".join(p.text("--seconds") for p in exc.problems))) from None
    assert seconds is not None
    return seconds


def _observe(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.observe import observe_once

    seconds = _window(args)
    service = ctx.wiring.routes
    out = ctx.out
    loaded = service.load(args.host, args.namespace)
    observation = observe_once(service.kube, args.host, loaded.routes.namespace, seconds)
    shares = loaded.view.shares() if loaded.routes.vs is not None else {}
    if out.json_mode:
        out.json({**observation.to_dict(), "configured": shares,
                  "virtual_service": (loaded.vs_obj or {}).get("metadata", {}).get("name")})
        return 0
    out.line(inert(f"{observation.namespace}/{observation.host}: {observation.total} requests in the last "
                   f"{seconds}s (from sidecar access logs)"))
    if loaded.routes.vs is None:
        out.line("no VirtualService: the configured column is empty (traffic goes to all pods)")
    out.table(["subset", "configured", "observed", "requests", "success", "p50", "p95"],
              [[inert(s.subset or "(any pod)"), ("-" if loaded.routes.vs is None else percent(shares.get(s.subset, 0.0))),
                f"{s.share:.1f}%", s.requests, "-" if s.success_rate is None else f"{s.success_rate:.1f}%",
                "-" if s.p50_ms is None else f"{s.p50_ms:.0f}ms", "-" if s.p95_ms is None else f"{s.p95_ms:.0f}ms"]
               for s in observation.subsets])
    return 0
