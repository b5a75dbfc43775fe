"""`meshtui routes undo|reset|cleanup`: putting routes back, with the same diff and questions as any write.

`undo` restores the routes from before meshtui's last change, and refuses (exit 1, with
the change it would discard) when someone changed them since, unless `--force`. `reset`
and `cleanup` go back to before meshtui: they print, for each host, what they will do,
the warnings (a later change they discard, traffic the original spec sends to another
host) and the exact diff; the server validates it; off a terminal they need `--yes`, and
the reset is recorded so `undo` reverts it. Dry runs write nothing, so they pass the
safety guard (as every other dry run). Under `--json` the only output is one document.
"""

from __future__ import annotations

import argparse

from meshtui.cli.commands.routes_write import ask, check_namespace_flag, interactive
from meshtui.cli.context import CliContext
from meshtui.domain.errors import MeshtuiError, UsageError
from meshtui.domain.text import inert, inert_lines


def _specs(routes: object) -> dict:
    return {"virtual_service": getattr(routes, "vs", None), "destination_rule": getattr(routes, "dr", None)}


def undo(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.routes import UndoRefused

    check_namespace_flag(args)
    service = ctx.wiring.routes
    out = ctx.out
    if not args.dry_run:
        service.guard.check(f"undo routes of {args.host}")
    try:
        preview = service.undo(args.host, args.namespace, force=args.force, preview=True)
    except UndoRefused as refused:
        if out.json_mode:
            raise MeshtuiError(f"{refused.message}. The change it would discard:\n{refused.changes}",
                               hint=refused.hint) from None
        out.note(inert_lines(f"changed since meshtui's last write (undo would discard this):\n{refused.changes}"))
        raise
    namespace = service.namespace(args.namespace)
    if not out.json_mode:
        for notice in preview.notices:
            out.note(inert(f"meshtui: {notice}"))
        out.line(inert_lines(preview.diff or "(the routes are already as they were before that change)"))
    if args.dry_run:
        if out.json_mode:
            out.json({"host": args.host, "namespace": namespace, "dry_run": True, "undoes": preview.action,
                      "restored": preview.lines, "diff": preview.diff, "notices": preview.notices,
                      "specs": _specs(preview.routes)})
        else:
            out.note("dry run: nothing restored")
        return 0
    if not args.yes and interactive(ctx) and not ask(ctx, f"undo meshtui's last change to {args.host}?"):
        out.note("nothing restored")
        return 1
    result = service.undo(args.host, args.namespace, force=args.force)
    if out.json_mode:
        out.json({"host": args.host, "namespace": namespace, "dry_run": False, "undoes": result.action,
                  "restored": result.lines, "diff": result.diff, "notices": preview.notices + result.notices,
                  "specs": _specs(result.routes)})
        return 0
    for notice in result.notices:
        out.note(inert(f"meshtui: {notice}"))
    for line in result.lines:
        out.line(inert(f"{args.host}: {line}"))
    return 0


def reset(args: argparse.Namespace, ctx: CliContext) -> int:
    check_namespace_flag(args)
    service = ctx.wiring.routes
    out = ctx.out
    cleanup = args.action == "cleanup"
    service.guard.check("clean up routes" if cleanup else f"reset routes of {args.host}", dry_run=args.dry_run)
    targets = service.managed_hosts(args.namespace) if cleanup else [(service.namespace(args.namespace), args.host)]
    plans = [service.reset_plan(host, ns) for ns, host in targets]
    plans = [plan for plan in plans if plan.actions or not cleanup]
    if not out.json_mode:
        for plan in plans:
            where = f"{plan.loaded.routes.namespace}/{plan.loaded.routes.host}"
            for action in plan.actions or ["nothing meshtui changed"]:
                out.line(inert(f"{'would ' if args.dry_run else ''}{where}: {action}"))
            for warning in plan.warnings:
                out.note(out.style(inert(f"warning: {where}: {warning}"), "yellow"))
            if plan.actions:
                out.line(inert_lines(plan.diff))
    hosts = [{"namespace": p.loaded.routes.namespace, "host": p.loaded.routes.host, "actions": p.actions,
              "warnings": p.warnings, "diff": p.diff, "done": []} for p in plans]
    document = {"action": args.action, "dry_run": args.dry_run, "hosts": hosts}
    if not any(plan.actions for plan in plans):
        if out.json_mode:
            out.json(document)
        else:
            out.line("nothing to clean up: no routes created or changed by meshtui" if cleanup
                     else f"{inert(args.host)}: nothing meshtui changed")
        return 0
    if args.dry_run:
        for plan in plans:
            service.apply_reset(plan, dry_run=True)  # the API server validates what would be written
        if out.json_mode:
            out.json(document)
        else:
            out.note("dry run: validated by the API server, nothing written")
        return 0
    if not args.yes:
        if not interactive(ctx):
            raise UsageError(f"{args.action} deletes what meshtui created and restores what it changed; pass --yes "
                             "to confirm when not on a terminal (nothing was changed)")
        if not ask(ctx, f"{args.action}: do the above?"):
            out.note("nothing changed")
            return 1
    for plan, entry in zip(plans, hosts, strict=True):
        entry["done"] = service.apply_reset(plan)
        if not out.json_mode:
            for line in entry["done"]:
                out.line(inert(f"{entry['namespace']}/{entry['host']}: {line}"))
    if out.json_mode:
        out.json(document)
    elif not cleanup:
        out.note(inert(f"`meshtui routes undo {args.host}` reverts the reset"))
    return 0


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.action == "undo":
        return undo(args, ctx)
    return reset(args, ctx)
