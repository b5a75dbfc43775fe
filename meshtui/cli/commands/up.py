"""`meshtui up [-p P] [--dry-run] [--yes] [--json]`: provision a profile end to end, resumably.

On a terminal: a live line per step (spinner, elapsed) with the tools' output
indented beneath; otherwise plain lines; with --json one event per line. Ctrl-C
cancels (the running tools' process groups are killed) and the next `up` resumes.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from meshtui.cli.context import CliContext
from meshtui.domain.errors import EXIT_REFUSED, MeshtuiError
from meshtui.domain.text import inert

if TYPE_CHECKING:
    from meshtui.services.provision.runner import RunResult
    from meshtui.services.provision.service import Provisioner
    from meshtui.services.provision.steps import ProvisionEvent

    Job = Callable[[threading.Event, Callable[[ProvisionEvent], None]], RunResult]

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--profile", default="default", help="profile name or file (default: default)")
    parser.add_argument("--dry-run", action="store_true", help="print every command and manifest, in order; change nothing")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before starting (it asks only on a terminal)")


class Progress:
    """Renders provisioning events for a terminal, a pipe or --json."""

    def __init__(self, ctx: CliContext, tty: bool) -> None:
        self.ctx, self.tty = ctx, tty
        self.running: dict[str, float] = {}
        self.lock = threading.Lock()
        self.frame = 0

    def _clear(self) -> None:
        if self.tty:
            sys.stdout.write("\r\x1b[2K")

    def event(self, event: ProvisionEvent) -> None:
        out = self.ctx.out
        with self.lock:
            if out.json_mode:
                out.jsonl({"event": event.kind, "step": event.step, "text": event.text,
                           "elapsed": round(event.elapsed, 2), "hint": event.hint})
                out.flush()
                return
            self._clear()
            # tool output, cluster messages and file names are external text: inert before the terminal sees them
            text, hint = inert(event.text), inert(event.hint) if event.hint else None
            if event.kind == "started":
                self.running[event.step] = time.monotonic()
                out.line(f"{out.style('▶', 'cyan')} {event.step}: {text}")
            elif event.kind == "notice":
                out.line(f"{out.style('!', 'yellow', 'bold')} {event.step}: {text}")
            elif event.kind == "output":
                out.line(out.style(f"    {event.step} │ {text}", "dim"))
            elif event.kind in ("done", "skipped"):
                self.running.pop(event.step, None)
                mark = out.style("✔", "green") if event.kind == "done" else out.style("↷", "blue")
                note = text if event.kind == "done" else f"skipped: {text}"
                out.line(f"{mark} {event.step} ({event.elapsed:.1f}s) {note}".rstrip())
            elif event.kind == "failed":
                self.running.pop(event.step, None)
                out.line(f"{out.style('✘', 'red')} {event.step} ({event.elapsed:.1f}s) {text}")
                if hint:
                    out.line(f"    hint: {hint}")
            elif event.kind == "cancelled":
                self.running.pop(event.step, None)
                out.line(f"{out.style('■', 'yellow')} {event.step}: cancelled")
            self._status()
            out.flush()

    def _status(self) -> None:
        if self.tty and self.running:
            now = time.monotonic()
            parts = ", ".join(f"{s} {now - t:.0f}s" for s, t in self.running.items())
            sys.stdout.write(f"{SPINNER[self.frame % len(SPINNER)]} running: {parts}")
            sys.stdout.flush()

    def tick(self) -> None:
        with self.lock:
            self.frame += 1
            if self.tty and self.running:
                self._clear()
                self._status()


def confirm(question: str) -> bool:
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def load(ctx: CliContext, name: str) -> Provisioner:
    from meshtui.services.provision.service import Provisioner

    loaded = ctx.wiring.load_profile(name)
    return Provisioner(loaded, ctx.masker, ctx.wiring.docker, ctx.args.kubeconfig, allow_remote=ctx.args.allow_remote)


def refuse_read_only(ctx: CliContext, what: str) -> None:
    if ctx.args.read_only:
        from meshtui.domain.errors import GuardRefused

        raise GuardRefused(f"{what} changes the machine; refused because of --read-only")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    provisioner = load(ctx, args.profile)
    if args.dry_run:
        lines = provisioner.dry_run()
        if ctx.out.json_mode:
            ctx.out.json({"profile": provisioner.loaded.name, "plan": lines})
        else:
            for line in lines:
                ctx.out.line(inert(line))
        return 0
    refuse_read_only(ctx, "meshtui up")
    _ = provisioner.journal  # read here: a journal from a newer meshtui is one message and exit 2, before anything
    if not args.yes and not ctx.out.json_mode and sys.stdin.isatty():
        profile, provider = provisioner.loaded.profile, provisioner.provider
        ctx.out.line(inert(f"meshtui up -p {provisioner.loaded.name}: {provider.name} cluster {profile.cluster.name!r} "
                           f"(context {provider.context})" + (f", Istio {profile.istio.profile}"
                                                               if profile.istio.enabled else "")
                           + f", {len(profile.apps)} app(s). `--dry-run` lists every command."))
        ctx.out.flush()
        if not confirm("Start?"):
            ctx.out.line("nothing changed")
            return 1
    provisioner.preload()  # the heavy imports happen here, in the main thread, before any worker starts
    kubeconfig = provisioner.provider.kubeconfig()
    follow = f"meshtui --kubeconfig {kubeconfig}" if kubeconfig else f"meshtui --context {provisioner.provider.context}"
    return execute(ctx, lambda cancel, emit: provisioner.up(emit, cancel), provisioner.loaded.name, "up", follow)


def execute(ctx: CliContext, job: Job, profile: str, verb: str, follow: str = "") -> int:
    tty = sys.stdout.isatty() and not ctx.out.json_mode
    progress, cancel = Progress(ctx, tty), threading.Event()
    holder: dict[str, RunResult] = {}
    failure: list[MeshtuiError] = []

    def work() -> None:
        try:
            holder["result"] = job(cancel, progress.event)
        except MeshtuiError as exc:  # e.g. another run holds the lock: reported by the main thread, below
            failure.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
            progress.tick()
    except KeyboardInterrupt:
        cancel.set()
        ctx.out.note(f"cancelling… (the next `meshtui {verb} -p {profile}` resumes)")
        worker.join(30)
    result = holder.get("result")
    if tty:
        sys.stdout.write("\r\x1b[2K")
    if failure:
        raise failure[0]
    if result is None or result.cancelled:
        ctx.out.error(f"{verb} cancelled", f"meshtui {verb} -p {profile} resumes where it stopped")
        return 1
    if not result.ok:
        ctx.out.error(f"{verb} failed at {result.failed or 'a step'}: {inert(result.error)}",
                      inert(result.hint) if result.hint else f"fix it, then `meshtui {verb} -p {profile}` resumes")
        return EXIT_REFUSED if result.refused else 1
    if not ctx.out.json_mode:
        skipped = "left as they are" if verb == "down" else "already done"
        ctx.out.line(f"{verb} -p {profile}: done ({len(result.ran)} ran, {len(result.skipped)} {skipped})")
        if follow:
            ctx.out.line(f"next: {follow}   (the TUI on this cluster)")
    return 0
