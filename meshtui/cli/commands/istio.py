"""`meshtui istio lint FILE... [--json] [--fix OUT]`: removed IstioOperator fields, explained.

Exit 0 when every file would install, 1 when a removed or unknown field would make
`istioctl install` stop, 2 when a file cannot be read or parsed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from meshtui.cli.context import CliContext
from meshtui.domain.text import inert

if TYPE_CHECKING:
    from meshtui.services.istio_lint import LintReport

KIND_STYLE = {"removed": ("removed", "yellow"), "unknown": ("unknown", "red"), "deprecated": ("deprecated", "dim")}


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    lint = sub.add_parser("lint", parents=[parent],
                          help="report IstioOperator fields modern Istio rejects, with their replacements")
    lint.add_argument("files", nargs="+", metavar="FILE", help="IstioOperator YAML files")
    lint.add_argument("--fix", metavar="OUT", type=Path,
                      help="write the suggested modern overlay to OUT (one input file only)")


def _report(ctx: CliContext, report: LintReport) -> None:
    out = ctx.out
    blocking = len(report.blocking)
    head = out.style("ok", "green") if not blocking else out.style(f"{blocking} field(s) istioctl rejects", "red")
    out.line(f"{inert(report.path)}: {head}")
    for finding in report.findings:  # field paths are keys from the file: external text
        label, colour = KIND_STYLE[finding.kind]
        where = f"line {finding.line}" if finding.line else "—"
        out.line(f"  {out.style(f'{label:<10}', colour)} {inert(finding.path)}  ({where})")
        if finding.history:
            out.line(f"             {inert(finding.history)}")
        out.line(f"             → {inert(finding.replacement)}")
    if report.also_apply:
        out.line("  instead, also apply:")
        for item in report.also_apply:
            out.line(f"    - {inert(item)}")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.domain.errors import EXIT_FAILED, EXIT_OK, ProfileError, UsageError
    from meshtui.services.istio_lint import lint_file

    if args.fix and len(args.files) != 1:
        raise UsageError("--fix takes exactly one FILE")
    reports, code = [], EXIT_OK
    for file in args.files:
        try:
            reports.append(lint_file(file))
        except ProfileError as exc:
            ctx.out.error(inert(exc.message), inert(exc.hint) if exc.hint else None)
            return 2
    for report in reports:
        if report.blocking:
            code = EXIT_FAILED
    if args.fix:
        try:
            args.fix.write_text("# Suggested by `meshtui istio lint`: the blocking fields removed.\n"
                                + reports[0].suggested_yaml(), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {inert(args.fix)}: {exc.strerror or exc}") from None
    if ctx.out.json_mode:
        ctx.out.json([r.as_json() for r in reports] if len(reports) > 1 else reports[0].as_json())
        return code
    for report in reports:
        _report(ctx, report)
        if report.blocking and not args.fix:
            ctx.out.line(f"  suggested overlay: meshtui istio lint {inert(report.path)} --fix modern.yaml")
    if args.fix:
        ctx.out.line(f"wrote {inert(args.fix)}")
    return code
