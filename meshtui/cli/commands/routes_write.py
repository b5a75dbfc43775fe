"""`meshtui routes set|shift|...|undo|reset|cleanup`: every write, asked for, guarded, previewed.

Order for each write: parse the flags into an edit (bad input: exit 2 before any request),
the safety guard (exit 3 before any request), read, plan and validate (exit 2 with the
field, the value and the fix), print the exact diff, ask on a terminal unless `--yes`,
then apply through the engine. Off a terminal (stdin not a tty, or `--json`) nothing
ever waits for input: changes and undo proceed (they are recorded and undoable), while
reset and cleanup, which delete objects and drop the history, require `--yes`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from meshtui.cli.context import CliContext
from meshtui.domain.errors import UsageError
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput, Problem
from meshtui.domain.text import inert, inert_lines

if TYPE_CHECKING:
    from meshtui.services.routes import Plan

LABELS = {"weights": "SUBSET=WEIGHT", "to": "SUBSET", "by": "--by", "source": "--from", "header": "--header",
          "value": "--header value", "delay": "--delay", "abort": "--abort", "percent": "--percent",
          "kind": "the fault", "timeout": "DURATION", "retries": "--retries", "per_try": "--per-try",
          "retry_on": "--retry-on", "preset": "PRESET", "host": "HOST", "edit": "the change",
          **{name: "--" + name.replace("_", "-") for name in E.BREAKER_INPUTS}}
SUBSET_LABEL = {"match": "--to", "mirror": "--to", "fault": "--subset"}


def _label(action: str, field: str) -> str:
    if field == "subset":
        return SUBSET_LABEL.get(action, "--subset")
    return LABELS.get(field, field)


def _rejected(action: str, host: str, problems: list[Problem]) -> UsageError:
    text = "; ".join(p.text(_label(action, p.field)) for p in problems)
    return UsageError(f"{host}: {text}; nothing was written")


def edit_from_args(args: argparse.Namespace) -> E.Edit:
    """The edit a `routes` write command asks for (raises InvalidInput naming each bad flag)."""
    action = args.action
    if action == "set":
        return E.parse_weights(args.weights)
    if action == "shift":
        return E.parse_shift(args.to, args.by, args.source)
    if action == "preset":
        return E.parse_preset(args.preset)
    if action == "match":
        key, sep, value = args.header.partition("=")
        if not sep:
            raise InvalidInput([Problem("header", args.header, "not K=V", "write e.g. --header end-user=tester")])
        return E.parse_match(key, value, args.to)
    if action == "fault":
        kind = "none" if args.clear else "delay" if args.delay is not None else "abort"
        return E.parse_fault(kind, args.delay if kind == "delay" else args.abort, args.percent, args.subset)
    if action == "mirror":
        return E.parse_mirror("none" if args.clear else args.to, args.percent)
    if action == "timeout":
        return E.parse_timeout(args.timeout, args.retries, args.per_try, args.retry_on)
    if args.clear:
        return E.ClearBreaker()
    return E.parse_breaker({name: getattr(args, name) for name in E.BREAKER_INPUTS})


def interactive(ctx: CliContext) -> bool:
    return not ctx.out.json_mode and sys.stdin is not None and sys.stdin.isatty()


def ask(ctx: CliContext, question: str) -> bool:
    """y/N on the terminal (stderr prompt); end of input counts as no."""
    ctx.out.err.write(f"{question} [y/N] ")
    ctx.out.err.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _print_plan(ctx: CliContext, plan: Plan) -> None:
    for finding in plan.warnings:
        ctx.out.note(ctx.out.style(inert(f"warning: {finding.message}"), "yellow"))
    if plan.defaults:
        ctx.out.note("defaults for fields you did not give (they did not exist yet): " +
                     ", ".join(f"{k.replace('_', '-')} {v}" for k, v in plan.defaults.items()))
    if not ctx.out.json_mode and plan.changed:
        ctx.out.line(inert_lines(plan.diff))


def change(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.routes import EditRejected, RouteConflict

    try:
        edit = edit_from_args(args)
    except InvalidInput as exc:
        raise _rejected(args.action, args.host, exc.problems) from None
    service = ctx.wiring.routes
    if not args.dry_run:
        service.guard.check(f"change routes of {args.host}")
    loaded = service.load(args.host, args.namespace)
    try:
        plan = service.plan_edits(loaded, [edit])
    except EditRejected as exc:
        raise _rejected(args.action, args.host, exc.problems) from None
    _print_plan(ctx, plan)
    if plan.errors:
        raise UsageError(inert(f"{args.host}: the change is invalid, nothing was written: " +
                               "; ".join(f.message for f in plan.errors)))
    if not plan.changed:
        if ctx.out.json_mode:
            ctx.out.json(_result(args, plan, written=False))
        else:
            ctx.out.note(inert(f"{args.host}: already like that, nothing to change"))
        return 0
    if not args.dry_run and not args.yes and interactive(ctx) and not ask(ctx, f"apply this to {args.host}?"):
        ctx.out.note("nothing written")
        return 1
    try:
        result = service.apply(plan, dry_run=args.dry_run)
    except RouteConflict as conflict:
        who = "meshtui itself" if conflict.by_meshtui else "another writer"
        ctx.out.note(inert_lines(f"meshtui: {who} changed {args.host} meanwhile:\n{conflict.their_change}"))
        if conflict.replanned is None:
            raise
        plan = conflict.replanned
        ctx.out.note(inert_lines(f"your change on top of it:\n{plan.diff or '(nothing left to change)'}"))
        if not (args.yes or (interactive(ctx) and ask(ctx, "apply your change on top of theirs?"))):
            raise
        if plan.errors:
            raise UsageError(inert("; ".join(f.message for f in plan.errors))) from None
        result = service.apply(plan, dry_run=args.dry_run)
    for notice in result.notices:
        ctx.out.note(f"meshtui: {notice}")
    if ctx.out.json_mode:
        ctx.out.json(_result(args, plan, written=result.written))
    elif args.dry_run:
        ctx.out.note("dry run: validated by the API server, nothing written")
    else:
        ctx.out.note(inert(f"applied; `meshtui routes undo {args.host}` reverts it"))
    return 0


def _result(args: argparse.Namespace, plan: Plan, *, written: bool) -> dict:
    return {"host": args.host, "namespace": plan.loaded.routes.namespace, "changed": plan.changed,
            "written": written, "diff": plan.diff, "dry_run": args.dry_run, "defaults": plan.defaults,
            "findings": [f.__dict__ for f in plan.findings]}


def undo(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.routes import UndoRefused

    service = ctx.wiring.routes
    if not args.dry_run:
        service.guard.check(f"undo routes of {args.host}")
    try:
        preview = service.undo(args.host, args.namespace, force=args.force, preview=True)
    except UndoRefused as refused:
        ctx.out.note(inert_lines(f"changed since meshtui's last write:\n{refused.changes}"))
        raise
    for notice in preview.notices:
        ctx.out.note(f"meshtui: {notice}")
    if not ctx.out.json_mode:
        ctx.out.line(inert_lines(preview.diff or "(the routes are already as they were before that change)"))
    if args.dry_run:
        ctx.out.note("dry run: nothing restored")
        return 0
    if not args.yes and interactive(ctx) and not ask(ctx, f"undo meshtui's last change to {args.host}?"):
        ctx.out.note("nothing restored")
        return 1
    result = service.undo(args.host, args.namespace, force=args.force)
    if ctx.out.json_mode:
        ctx.out.json({"host": args.host, "restored": result.lines, "diff": result.diff,
                      "virtualservice": result.routes.vs, "destinationrule": result.routes.dr})
        return 0
    for line in result.lines:
        ctx.out.line(inert(f"{args.host}: {line}"))
    return 0


def reset(args: argparse.Namespace, ctx: CliContext) -> int:
    service = ctx.wiring.routes
    if not args.dry_run:
        service.guard.check("clean up routes" if args.action == "cleanup" else f"reset routes of {args.host}")
    if args.action == "cleanup":
        targets = service.managed_hosts(args.namespace)
    else:
        targets = [(service.namespace(args.namespace), args.host)]
    plans = [(ns, host, service.reset_actions(service.load(host, ns))) for ns, host in targets]
    plans = [(ns, host, actions) for ns, host, actions in plans if actions or args.action == "reset"]
    for ns, host, actions in plans:
        for action in actions or ["nothing meshtui changed"]:
            ctx.out.line(inert(f"{'would ' if args.dry_run else ''}{ns}/{host}: {action}"))
    if not any(actions for _, _, actions in plans):
        ctx.out.line("nothing to clean up: no routes created or changed by meshtui" if args.action == "cleanup"
                     else f"{inert(args.host)}: nothing meshtui changed")
        return 0
    if args.dry_run:
        return 0
    if not args.yes:
        if not interactive(ctx):
            raise UsageError(f"{args.action} deletes what meshtui created and drops the undo history; pass --yes to "
                             "confirm when not on a terminal")
        if not ask(ctx, f"{args.action}: do the above?"):
            ctx.out.note("nothing changed")
            return 1
    for ns, host, _ in plans:
        for line in service.reset(host, ns):
            ctx.out.line(inert(f"{ns}/{host}: {line}"))
    return 0


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.action == "undo":
        return undo(args, ctx)
    if args.action in ("reset", "cleanup"):
        return reset(args, ctx)
    return change(args, ctx)
