"""`meshtui down [-p P] [--yes]`: remove exactly what `up` created (cluster, registry, journal)."""

from __future__ import annotations

import argparse
import sys

from meshtui.cli.context import CliContext
from meshtui.domain.text import inert


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--profile", default="default", help="profile name or file (default: default)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.cli.commands.up import confirm, execute, load, refuse_read_only
    from meshtui.domain.errors import UsageError

    refuse_read_only(ctx, "meshtui down")
    provisioner = load(ctx, args.profile)
    lines = provisioner.down_plan()
    if not lines:
        ctx.out.line(f"nothing to remove: meshtui has no record of creating anything for {provisioner.loaded.name!r}")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("down deletes the cluster; pass --yes to confirm when not on a terminal")
        ctx.out.line("meshtui down will:")
        for line in lines:
            ctx.out.line(f"  {inert(line)}")
        ctx.out.flush()
        if not confirm("Proceed?"):
            ctx.out.line("nothing changed")
            return 1
    provisioner.preload()
    return execute(ctx, lambda cancel, emit: provisioner.down(emit, cancel), provisioner.loaded.name, "down")
