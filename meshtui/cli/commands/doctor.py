"""`meshtui doctor [-p PROFILE] [--json]`: is this machine ready, and what to fix."""

from __future__ import annotations

import argparse

from meshtui.cli.context import CliContext
from meshtui.domain.text import inert


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--profile", default=None,
                        help="profile to check against (name or path; default: 'default' when it exists)")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.config.loader import discover_profiles
    from meshtui.domain.checks import counts, has_failures
    from meshtui.services.doctor import DoctorOptions, run_doctor

    profile = None
    if args.profile:
        profile = ctx.wiring.load_profile(args.profile)
    elif "default" in discover_profiles():
        profile = ctx.wiring.load_profile("default")
    checks = run_doctor(DoctorOptions(profile, ctx.args.kubeconfig, ctx.args.context), ctx.wiring.docker)
    failed = has_failures(checks)
    out = ctx.out
    if out.json_mode:
        out.json({"profile": profile.name if profile else None, "ok": not failed, "counts": counts(checks),
                  "checks": [check.to_dict() for check in checks]})
        return 1 if failed else 0
    out.line(out.style(f"meshtui doctor — profile {inert(profile.name) if profile else '(none)'}", "bold"))
    width = max(len(check.name) for check in checks)
    for check in checks:
        mark = {"pass": "ok  ", "warn": "warn", "fail": "FAIL"}[check.status.value]
        colour = {"pass": "green", "warn": "yellow", "fail": "red"}[check.status.value]
        # reasons quote tool output, Docker's answers and kubeconfig names: inert before the terminal
        out.line(f"{out.style(mark, colour, 'bold')}  {inert(check.name).ljust(width)}  {inert(check.reason)}")
        if check.fix:
            out.line(f"      {' ' * width}  fix: {inert(check.fix)}")
    totals = counts(checks)
    out.line(f"{totals['pass']} passed, {totals['warn']} warnings, {totals['fail']} failed")
    return 1 if failed else 0
