"""`meshtui routes set|shift|preset|match|fault|mirror|timeout|breaker`: every change, asked for, guarded, previewed.

Order for each change: parse the flags into an edit (bad input: exit 2 before any request),
the safety guard (exit 3 before any request), read, plan and validate (exit 2 with the
field, the value and the fix), print the exact diff and the defaults that will be filled
in, ask on a terminal unless `--yes`, then apply through the engine. Off a terminal
(stdin not a tty, or `--json`) nothing ever waits for input: changes proceed (they are
recorded and undoable), except a new fault left at its default share, which would fail or
delay every request: that needs `--percent` or `--yes`. Under `--json` the only output is
one JSON document on stdout; errors are raised for the global handler to report.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from meshtui.cli.context import CliContext
from meshtui.domain.errors import Conflict, UsageError
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput, Problem, namespace_problem, quoted
from meshtui.domain.routes.present import defaults_text
from meshtui.domain.text import inert, inert_lines

if TYPE_CHECKING:
    from meshtui.services.routes import Plan, RouteConflict

LABELS = {"weights": "SUBSET=WEIGHT", "to": "SUBSET", "by": "--by", "source": "--from", "header": "--header",
          "value": "--header value", "delay": "--delay", "abort": "--abort", "percent": "--percent",
          "kind": "the fault", "timeout": "DURATION", "retries": "--retries", "per_try": "--per-try",
          "retry_on": "--retry-on", "preset": "PRESET", "host": "HOST", "edit": "the change",
          **{name: "--" + name.replace("_", "-") for name in E.BREAKER_INPUTS}}
SUBSET_LABEL = {"match": "--to", "mirror": "--to", "fault": "--subset"}
TO_LABEL = {"preset": "--to"}


def _label(action: str, field: str) -> str:
    if field == "subset":
        return SUBSET_LABEL.get(action, "--subset")
    if field == "to":
        return TO_LABEL.get(action, "SUBSET")
    return LABELS.get(field, field)


def rejected(action: str, host: str, problems: list[Problem]) -> UsageError:
    text = "; ".join(p.text(_label(action, p.field)) for p in problems)
    return UsageError(inert(f"{host}: {text}; nothing was written"))


def check_namespace_flag(args: argparse.Namespace) -> None:
    """`-n` must be a namespace name (bad input, exit 2, before any request)."""
    if args.namespace is not None and (problem := namespace_problem(args.namespace)) is not None:
        raise UsageError(inert(f"-n {quoted(args.namespace)}: {problem}"), hint="kubectl get namespaces lists them")


def edit_from_args(args: argparse.Namespace) -> E.Edit:
    """The edit a `routes` write command asks for (raises InvalidInput naming each bad flag)."""
    action = args.action
    if action == "set":
        return E.parse_weights(args.weights)
    if action == "shift":
        return E.parse_shift(args.to, args.by, args.source)
    if action == "preset":
        return E.parse_preset(args.preset, args.to)
    if action == "match":
        key, sep, value = args.header.partition("=")
        if not sep:
            raise InvalidInput([Problem("header", args.header, "not K=V", "write e.g. --header end-user=tester")])
        return E.parse_match(key, value, args.to, remove=args.remove)
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
    if ctx.out.json_mode:
        return
    for finding in plan.warnings:
        ctx.out.note(ctx.out.style(inert(f"warning: {finding.message}"), "yellow"))
    if plan.defaults:
        ctx.out.note("defaults for values you did not give (they did not exist yet): " + defaults_text(plan.defaults))
    if plan.changed:
        ctx.out.line(inert_lines(plan.diff))


def _document(args: argparse.Namespace, plan: Plan, *, written: bool, notices: list[str],
              their_change: str | None = None) -> dict:
    return {"host": args.host, "namespace": plan.loaded.routes.namespace, "action": args.action,
            "changed": plan.changed, "written": written, "dry_run": args.dry_run, "diff": plan.diff,
            "defaults": plan.defaults, "findings": [f.__dict__ for f in plan.findings], "notices": notices,
            "their_change": their_change}


def _every_request(plan: Plan) -> bool:
    """A new fault left at its default share: it fails or delays every request."""
    return "percent" in plan.defaults and any(isinstance(e, E.Fault) for e in plan.edits)


def _on_conflict(args: argparse.Namespace, ctx: CliContext, conflict: RouteConflict) -> Plan:
    """Show (or, under --json, carry in the error) the other writer's change; the re-planned edit if confirmed."""
    who = "meshtui itself" if conflict.by_meshtui else "another writer"
    replanned = conflict.replanned
    mine = replanned.diff if replanned is not None else ""
    if not ctx.out.json_mode:
        ctx.out.note(inert_lines(f"meshtui: {who} changed {args.host} meanwhile:\n{conflict.their_change}"))
        if replanned is not None:
            ctx.out.note(inert_lines(f"your change on top of it:\n{mine or '(nothing left to change)'}"))
    if replanned is None or not (args.yes or (interactive(ctx) and ask(ctx, "apply your change on top of theirs?"))):
        if ctx.out.json_mode:
            raise Conflict(f"{conflict.message}. Their change:\n{conflict.their_change}\nYour change on top of it:\n"
                           f"{mine or conflict.replan_error or '(nothing left to change)'}",
                           hint="--yes applies your change on top of theirs") from None
        raise conflict
    if replanned.errors:
        raise UsageError(inert("; ".join(f.message for f in replanned.errors))) from None
    return replanned


def change(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.services.routes import EditRejected, RouteConflict

    check_namespace_flag(args)
    try:
        edit = edit_from_args(args)
    except InvalidInput as exc:
        raise rejected(args.action, args.host, exc.problems) from None
    service = ctx.wiring.routes
    # A dry run is sent to the API server as a write (`dryRun=All`): judged before the first request too.
    service.guard.check(f"change routes of {args.host}", dry_run=args.dry_run)
    loaded = service.load(args.host, args.namespace)
    try:
        plan = service.plan_edits(loaded, [edit])
    except EditRejected as exc:
        raise rejected(args.action, args.host, exc.problems) from None
    _print_plan(ctx, plan)
    if plan.errors:
        raise UsageError(inert(f"{args.host}: the change is invalid, nothing was written: " +
                               "; ".join(f.message for f in plan.errors)))
    if not plan.changed:
        if ctx.out.json_mode:
            ctx.out.json(_document(args, plan, written=False, notices=[]))
        else:
            reason = edit.unchanged_reason(plan.loaded.routes) or "already like that"
            ctx.out.note(inert(f"{args.host}: {reason}, nothing to change"))
        return 0
    if not args.dry_run and not args.yes:
        if interactive(ctx):
            if not ask(ctx, f"apply this to {args.host}?"):
                ctx.out.note("nothing written")
                return 1
        elif _every_request(plan):
            raise UsageError(inert(f"{args.host}: a new fault without --percent affects every request (100%); "
                                   "nothing was written"), hint="give --percent (e.g. 10), or --yes to confirm 100%")
    their_change = None
    try:
        result = service.apply(plan, dry_run=args.dry_run)
    except RouteConflict as conflict:
        their_change = conflict.their_change
        plan = _on_conflict(args, ctx, conflict)
        result = service.apply(plan, dry_run=args.dry_run)
    if ctx.out.json_mode:
        ctx.out.json(_document(args, plan, written=result.written, notices=result.notices,
                               their_change=their_change))
        return 0
    for notice in result.notices:
        ctx.out.note(inert(f"meshtui: {notice}"))
    if args.dry_run:
        ctx.out.note("dry run: validated by the API server, nothing written")
    else:
        ctx.out.note(inert(f"applied; `meshtui routes undo {args.host}` reverts it"))
    return 0


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.action in ("undo", "reset", "cleanup"):
        from meshtui.cli.commands import routes_history

        return routes_history.run(args, ctx)
    return change(args, ctx)
