"""`meshtui routes ...`: the Traffic panel's operations, headless (same service, same objects)."""

from __future__ import annotations

import argparse
import re
import sys

from meshtui.cli.context import CliContext

PRESETS = ["stable", "canary", "half", "flip", "bluegreen"]


def _common(parser: argparse.ArgumentParser, *, write: bool = True) -> None:
    parser.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    if write:
        parser.add_argument("--dry-run", action="store_true", help="print the diff, validate on the server, write nothing")
        parser.add_argument("-y", "--yes", action="store_true", help="on a conflict, apply on top of the other change")


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", parents=[parent], help="hosts with their subsets, weights and rules")
    _common(listing, write=False)
    show = sub.add_parser("show", parents=[parent], help="the rules of one host")
    show.add_argument("host")
    _common(show, write=False)
    p = sub.add_parser("set", parents=[parent], help="set weights: routes set catalog v1=90 v2=10")
    p.add_argument("host")
    p.add_argument("weights", nargs="+", metavar="SUBSET=WEIGHT")
    _common(p)
    p = sub.add_parser("shift", parents=[parent], help="move weight to a subset: routes shift catalog v2 --by 10")
    p.add_argument("host")
    p.add_argument("to", metavar="SUBSET")
    p.add_argument("--by", type=int, default=10, help="points of weight to move (negative moves it away)")
    p.add_argument("--from", dest="source", metavar="SUBSET", help="take the weight from this subset only")
    _common(p)
    p = sub.add_parser("preset", parents=[parent], help=f"one of {', '.join(PRESETS)}")
    p.add_argument("host")
    p.add_argument("preset", choices=PRESETS)
    _common(p)
    p = sub.add_parser("match", parents=[parent], help="route a header to a subset ahead of the weights")
    p.add_argument("host")
    p.add_argument("--header", required=True, metavar="K=V", help="e.g. end-user=tester")
    p.add_argument("--to", required=True, metavar="SUBSET")
    _common(p)
    p = sub.add_parser("fault", parents=[parent], help="inject a delay or an abort")
    p.add_argument("host")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--delay", metavar="DURATION", help="e.g. 2s")
    group.add_argument("--abort", type=int, metavar="HTTP_STATUS", help="e.g. 503")
    group.add_argument("--clear", action="store_true", help="remove the fault")
    p.add_argument("--percent", type=float, default=100.0, help="share of requests (0-100, default 100)")
    p.add_argument("--subset", help="the rule that routes to this subset (default: the weighted rule)")
    _common(p)
    p = sub.add_parser("mirror", parents=[parent], help="mirror a share of traffic to a subset")
    p.add_argument("host")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--to", metavar="SUBSET")
    group.add_argument("--clear", action="store_true")
    p.add_argument("--percent", type=float, default=100.0, help="share mirrored (0-100, default 100)")
    _common(p)
    p = sub.add_parser("timeout", parents=[parent], help="request timeout and retries")
    p.add_argument("host")
    p.add_argument("timeout", metavar="DURATION", help="e.g. 2s ('none' removes it)")
    p.add_argument("--retries", type=int, help="retry attempts")
    p.add_argument("--per-try", metavar="DURATION", help="timeout per attempt")
    p.add_argument("--retry-on", default=None, help="e.g. 5xx,connect-failure (default)")
    _common(p)
    p = sub.add_parser("breaker", parents=[parent], help="circuit breaking on the DestinationRule")
    p.add_argument("host")
    p.add_argument("--max-connections", type=int, default=1)
    p.add_argument("--max-pending", type=int, default=1)
    p.add_argument("--consecutive-errors", type=int, default=1, help="5xx in a row before ejecting a pod")
    p.add_argument("--interval", default="1s")
    p.add_argument("--ejection-time", default="30s")
    p.add_argument("--clear", action="store_true", help="remove circuit breaking")
    _common(p)
    for name, text in (("reset", "back to the routes before meshtui touched them"),
                       ("undo", "restore the routes from before the last change")):
        p = sub.add_parser(name, parents=[parent], help=text)
        p.add_argument("host")
        _common(p)
    p = sub.add_parser("observe", parents=[parent], help="the split the traffic really takes (from sidecar logs)")
    p.add_argument("host")
    p.add_argument("--seconds", type=int, default=60, help="window (default 60)")
    _common(p, write=False)
    p = sub.add_parser("cleanup", parents=[parent], help="reset every host meshtui changed")
    _common(p)


def _weights(items: list[str]) -> dict[str, int]:
    from meshtui.domain.errors import UsageError

    out = {}
    for item in items:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)=(-?\d+)", item)
        if not match:
            raise UsageError(f"bad weight {item!r}; use SUBSET=WEIGHT, e.g. v1=90")
        if int(match.group(2)) < 0:
            raise UsageError(f"weight of {match.group(1)} must not be negative")
        out[match.group(1)] = int(match.group(2))
    if sum(out.values()) != 100:
        raise UsageError(f"weights must sum to 100 (they sum to {sum(out.values())})")
    return out


def _operation(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from meshtui.domain import routes as R
    from meshtui.domain.errors import UsageError

    action = args.action
    if action == "set":
        return R.set_weights, (_weights(args.weights),), {}
    if action == "shift":
        return R.shift, (args.to, args.by), {"source": args.source}
    if action == "preset":
        return R.preset, (args.preset,), {}
    if action == "match":
        if "=" not in args.header:
            raise UsageError("--header needs K=V, e.g. end-user=tester")
        key, value = args.header.split("=", 1)
        return R.add_header_match, (key.strip(), value.strip(), args.to), {}
    if action == "fault":
        if args.clear:
            return R.clear_fault, (), {"subset": args.subset}
        if not 0 <= args.percent <= 100:
            raise UsageError("--percent must be between 0 and 100")
        return R.set_fault, (), {"delay": args.delay, "abort": args.abort, "percent": args.percent,
                                 "subset": args.subset}
    if action == "mirror":
        if args.clear:
            return R.clear_mirror, (), {}
        if not 0 <= args.percent <= 100:
            raise UsageError("--percent must be between 0 and 100")
        return R.set_mirror, (args.to, args.percent), {}
    if action == "timeout":
        return R.set_timeout, ("" if args.timeout == "none" else args.timeout, args.retries, args.per_try,
                               args.retry_on), {}
    if action == "breaker":
        if args.clear:
            return R.clear_breaker, (), {}
        return R.set_breaker, (), {"max_connections": args.max_connections, "max_pending": args.max_pending,
                                   "consecutive_errors": args.consecutive_errors, "interval": args.interval,
                                   "ejection_time": args.ejection_time}
    raise UsageError(f"unknown action {action}")


def _print_findings(ctx: CliContext, plan) -> None:  # type: ignore[no-untyped-def]
    for finding in plan.findings:
        code = f" [{finding.code}]" if finding.code else ""
        colour = "red" if finding.level == "error" else "yellow"
        ctx.out.note(ctx.out.style(f"{finding.level}{code}: {finding.message}", colour))


def _change(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.routes import RouteConflict

    service = ctx.wiring.routes
    operation, op_args, op_kwargs = _operation(args)
    loaded = service.load(args.host, args.namespace)
    plan = service.plan(loaded, operation, *op_args, **op_kwargs)
    _print_findings(ctx, plan)
    if plan.errors:
        from meshtui.domain.errors import UsageError

        raise UsageError(f"{args.host}: the change is invalid, nothing was written",
                         hint="`meshtui routes show` lists the subsets; a DestinationRule defines them")
    if ctx.out.json_mode:
        result = {"host": args.host, "namespace": loaded.routes.namespace, "changed": plan.changed, "diff": plan.diff,
                  "dry_run": args.dry_run, "findings": [f.__dict__ for f in plan.findings]}
    elif plan.changed:
        ctx.out.line(plan.diff)
    else:
        ctx.out.line(f"{args.host}: already like that, nothing to change")
    try:
        service.apply(plan, dry_run=args.dry_run)
    except RouteConflict as conflict:
        ctx.out.note(f"meshtui: another writer changed {args.host} meanwhile:\n{conflict.their_change}")
        if not (args.yes or (sys.stdin.isatty() and input("apply your change on top of theirs? [y/N] ").lower() == "y")):
            raise
        plan = service.plan(service.load(args.host, args.namespace), operation, *op_args, **op_kwargs)
        service.apply(plan, dry_run=args.dry_run)
    if ctx.out.json_mode:
        ctx.out.json(result)
    elif plan.changed:
        ctx.out.note("dry run: validated by the API server, nothing written" if args.dry_run else
                     f"applied; `meshtui routes undo {args.host}` reverts it")
    return 0


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.domain import routes as R

    service = ctx.wiring.routes
    out = ctx.out
    if args.action == "list":
        hosts = service.hosts(args.namespace)
        if out.json_mode:
            out.json([h.__dict__ for h in hosts])
            return 0
        out.table(["namespace", "host", "versions", "weights", "rules", "virtualservice", "destinationrule", "meshtui"],
                  [[h.namespace, h.host, ",".join(h.versions) or "-",
                    " ".join(f"{s or '(any)'}={w}" for s, w in h.weights.items()) or "-", h.rules,
                    h.virtual_service or "-", h.destination_rule or "-",
                    "created" if h.managed else "changed" if h.touched else "-"] for h in hosts])
        return 0
    if args.action == "show":
        loaded = service.load(args.host, args.namespace)
        routes = loaded.routes
        if out.json_mode:
            out.json({"host": routes.host, "namespace": routes.namespace, "versions": routes.versions,
                      "virtualservice": routes.vs, "destinationrule": routes.dr})
            return 0
        out.line(f"{routes.namespace}/{routes.host}  subsets {', '.join(routes.subsets) or '-'}  "
                 f"versions {', '.join(routes.versions) or '-'}")
        for rule in (routes.vs or {}).get("http") or []:
            out.line(f"  {R.describe_rule(rule)}")
        policy = (routes.dr or {}).get("trafficPolicy") or {}
        if policy:
            out.line(f"  traffic policy: {', '.join(sorted(policy))}")
        return 0
    if args.action == "observe":
        from meshtui.services.observe import observe_once

        observation = observe_once(service.kube, args.host, service.namespace(args.namespace), args.seconds)
        configured = service.load(args.host, args.namespace).routes.weights()
        if out.json_mode:
            out.json({**observation.to_dict(), "configured": configured})
            return 0
        out.line(f"{observation.namespace}/{observation.host}: {observation.total} requests in the last "
                 f"{args.seconds}s (from sidecar access logs)")
        out.table(["subset", "configured", "observed", "requests", "success", "p50", "p95"],
                  [[s.subset, f"{configured.get(s.subset, 0)}%", f"{s.share:.1f}%", s.requests,
                    "-" if s.success_rate is None else f"{s.success_rate:.1f}%",
                    "-" if s.p50_ms is None else f"{s.p50_ms:.0f}ms", "-" if s.p95_ms is None else f"{s.p95_ms:.0f}ms"]
                   for s in observation.subsets])
        return 0
    if args.action in ("reset", "undo"):
        if args.dry_run:
            out.line(f"would {args.action} {args.host}")
            return 0
        if args.action == "undo":
            routes = service.undo(args.host, args.namespace)
            out.line(f"{args.host}: restored the routes from before the last change")
            for rule in (routes.vs or {}).get("http") or []:
                out.line(f"  {R.describe_rule(rule)}")
        else:
            for line in service.reset(args.host, args.namespace) or ["nothing meshtui changed"]:
                out.line(f"{args.host}: {line}")
        return 0
    if args.action == "cleanup":
        hosts = service.managed_hosts(args.namespace)
        for namespace, host in hosts:
            if args.dry_run:
                out.line(f"would reset {namespace}/{host}")
            else:
                for line in service.reset(host, namespace):
                    out.line(f"{namespace}/{host}: {line}")
        if not hosts:
            out.line("nothing to clean up: no routes created or changed by meshtui")
        return 0
    return _change(args, ctx)
