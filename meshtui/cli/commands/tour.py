"""`meshtui tour --list` and `meshtui tour NAME`: guided tours in the TUI (on the demo when nothing else answers).

Before the TUI opens (and with `--validate`), the tour's saved progress is read once: a
damaged file is moved aside and said here on stderr, one from a newer meshtui is refused
(exit 2) instead of opening a TUI that could not use it.
"""

from __future__ import annotations

import argparse

from meshtui.cli.context import CliContext


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="tour name (see --list) or a tour YAML file")
    parser.add_argument("--list", action="store_true", help="list the tours (shipped and your own)")
    parser.add_argument("--validate", action="store_true", help="check the tour file(s) and exit")


def _list(ctx: CliContext) -> int:
    from meshtui.config.tours import discover_tours, load_tour_file
    from meshtui.domain.errors import ProfileError

    rows, code = [], 0
    for name, path in discover_tours().items():
        try:
            tour = load_tour_file(path).tour
            rows.append({"name": name, "title": tour.title, "steps": len(tour.steps), "summary": tour.summary,
                         "path": str(path), "error": None})
        except ProfileError as exc:
            code = 2
            rows.append({"name": name, "title": "", "steps": 0, "summary": "", "path": str(path),
                         "error": exc.message})
    if ctx.out.json_mode:
        ctx.out.json(rows)
        return code
    from meshtui.domain.text import inert

    ctx.out.table(["NAME", "STEPS", "TITLE", "SUMMARY"],
                  [[inert(r["name"]), str(r["steps"]), inert(r["title"]) or "invalid", inert(r["summary"] or r["error"])]
                   for r in rows])
    ctx.out.line("\nstart one with: meshtui tour NAME   (keys in the tour: F6 show me, F7 hide, F8 reset)")
    return code


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.config.tours import find_tour
    from meshtui.domain.errors import ClusterUnreachable, UsageError

    if args.list or not args.name:
        if not args.list and not args.name:
            raise UsageError("give a tour NAME or --list", hint="meshtui tour --list")
        return _list(ctx)
    loaded = find_tour(args.name)  # a bad file: one clear error with file and line, exit 2
    from meshtui.domain.text import inert
    from meshtui.services import tour_progress

    for notice in tour_progress.check(loaded.name):  # a newer file: refused here, exit 2, before the TUI
        ctx.out.note(inert(f"meshtui: {notice}"))
    if args.validate:
        ctx.out.line(f"ok  {inert(loaded.path)}: {inert(loaded.tour.title)} ({len(loaded.tour.steps)} steps)")
        return 0
    demo = False
    try:
        ctx.wiring.kube.version()
    except ClusterUnreachable:
        demo = True
        ctx.out.note("no cluster reachable: starting the tour on the simulated demo cluster")
    from meshtui.cli.commands import tui

    return tui.open_app(ctx, demo=demo, tour=str(loaded.path))
