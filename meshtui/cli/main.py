"""Entry point: argument parsing, global flags, dispatch, and error -> exit code mapping.

Global flags (`--kubeconfig`, `--context`, `--json`, `--allow-remote`, `--read-only`,
`--version`) are accepted before or after the subcommand, as kubectl does. Command
modules are imported only when their command runs: the parser is built with the
arguments of the one command on the command line (`command_in`) and a name-and-help stub
for the others, so `meshtui status` does not import what `logs` or `routes` need to
declare their flags, and `meshtui --version` stays a cold start of a few tens of ms.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, NoReturn

from meshtui import __version__
from meshtui.domain.errors import EXIT_FAILED, EXIT_USAGE, MeshtuiError

if TYPE_CHECKING:
    from meshtui.cli.context import CliContext

# name -> (module under meshtui.cli.commands, one-line help); order is the --help order.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "start the simulated mesh cluster (--serve: headless, prints URL and kubeconfig)"),
    "doctor": ("doctor", "check this machine for a profile: Docker, tools, ports, limits, kube context"),
    "profiles": ("profiles", "list, show and validate cluster profiles"),
    "status": ("status", "cluster summary: context, provider, nodes, pods by phase, Istio, ingress"),
    "logs": ("logs", "tail many pods at once: sidecars hidden, JSON/Envoy parsed, resumes dropped streams"),
    "usage": ("usage", "resource usage: host -> node containers (docker) -> pods (metrics.k8s.io)"),
    "routes": ("routes", "view and change Istio traffic routes: weights, matches, faults, mirrors, breakers"),
    "up": ("up", "provision a profile: registry, cluster, Istio, addons, images, apps, routes, ingress check"),
    "down": ("down", "remove what `up` created for a profile (cluster, registry, journal)"),
    "dashboard": ("dashboard", "port-forward to kiali / grafana / prometheus / jaeger and print the URL"),
    "tour": ("tour", "guided onboarding tours: --list, or NAME to open the TUI with the tour"),
    "istio": ("istio", "istio lint FILE: IstioOperator fields modern Istio rejects, with their replacements"),
}

GLOBAL_DEFAULTS = {"kubeconfig": None, "context": None, "json": False, "allow_remote": False, "read_only": False}


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        sys.stdout.write(f"meshtui {__version__}\n")
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse, but under `--json` a usage error is the JSON error document (still exit 2)."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if _Parser.json_errors:
            from meshtui.cli.output import json_error

            sys.stderr.write(json_error(f"{self.prog}: {message}", f"{self.prog} --help", EXIT_USAGE) + "\n")
            self.exit(EXIT_USAGE)
        super().error(message)


def global_options() -> _Parser:
    """Flags shared by every command; SUPPRESS defaults let them appear on either side."""
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("global options")
    group.add_argument("--kubeconfig", metavar="PATH", default=argparse.SUPPRESS,
                       help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    group.add_argument("--context", metavar="NAME", default=argparse.SUPPRESS,
                       help="kube context to use (default: the current context)")
    group.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    group.add_argument("--allow-remote", action="store_true", default=argparse.SUPPRESS,
                       help="allow writes to a cluster that is not local (refused by default, exit 3)")
    group.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                       help="never write to the cluster; write actions are hidden")
    group.add_argument("--version", action=_VersionAction)
    return parent


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def build_parser(full: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `full`, only those commands get their arguments (and import their module).

    The others are stubs: their name and help line (what `meshtui --help` and an unknown
    command's message list), no arguments, no help flag of their own, so a stub never
    errors; it marks the namespace `_stub` and `_main` parses again with every command in full.
    """
    parent = global_options()
    parser = _Parser(
        prog="meshtui", parents=[parent], formatter_class=_Formatter,
        description="meshtui: your local Kubernetes + Istio mesh in one terminal app.\n"
                    "Run with no command to open the TUI.",
        epilog="exit codes: 0 ok, 1 failed, 2 usage or bad input, 3 refused by the safety guard\n"
               "docs: README.md; every command has --help")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (module_name, help_text) in COMMANDS.items():
        if full is not None and name not in full:
            stub = sub.add_parser(name, help=help_text, add_help=False)
            stub.set_defaults(_module=module_name, _stub=True)
            continue
        module = importlib.import_module(f"meshtui.cli.commands.{module_name}")
        command = sub.add_parser(name, help=help_text, description=help_text, parents=[parent],
                                 formatter_class=_Formatter)
        module.add_arguments(command, parent)
        command.set_defaults(_module=module_name)
    return parser


# Global options that take a value (`--context NAME`), and every prefix argparse accepts for them.
_VALUE_OPTIONS = ("--kubeconfig", "--context")


def command_in(arguments: Sequence[str]) -> str | None:
    """The command argparse will pick from `arguments`: the first token that is not an option or a
    global option's value. A guess used only to build that command's parser alone; when it is
    wrong, argparse lands on a stub and the full parser decides (see `build_parser`)."""
    value_next = False
    for token in arguments:
        if value_next:
            value_next = False
            continue
        if token == "--":
            return None
        if token.startswith("-"):
            value_next = (token.startswith("--") and len(token) > 2 and "=" not in token
                          and any(option.startswith(token) for option in _VALUE_OPTIONS))
            continue
        return token if token in COMMANDS else None
    return None


def parse(arguments: Sequence[str]) -> tuple[argparse.ArgumentParser, argparse.Namespace, list[str]]:
    """`parse_known_args` with only the named command's parser built (the full parser if the guess missed)."""
    command = command_in(arguments)
    parser = build_parser(() if command is None else (command,))
    args, extra = parser.parse_known_args(_dash_values(parser, arguments))
    if getattr(args, "_stub", False):  # the guess missed: every command's parser decides
        parser = build_parser()
        args, extra = parser.parse_known_args(_dash_values(parser, arguments))
    return parser, args, extra


def _value_options(parser: argparse.ArgumentParser) -> tuple[set[str], set[str]]:
    """(options that take one value, every option string) of a parser and its subcommands."""
    takes: set[str] = set()
    known: set[str] = set()
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            known.update(action.option_strings)
            if action.option_strings and action.nargs is None and action.const is None and \
                    not isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
                takes.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
    return takes, known


def _dash_values(parser: argparse.ArgumentParser, arguments: Sequence[str]) -> list[str]:
    """`--since -5m`, `-e -debug`: a value that starts with a dash is the option's value (argparse
    would say "expected one argument"), unless it is itself an option. The command's own check
    then says what is wrong with it (a negative duration), and a pattern like `-debug` works."""
    takes, known = _value_options(parser)
    out: list[str] = []
    index = 0
    while index < len(arguments):
        token = arguments[index]
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if token == "--":
            out.extend(arguments[index:])
            break
        if token in takes and following is not None and following.startswith("-") and following != "--" \
                and following.split("=", 1)[0] not in known:
            out.append(f"{token}={following}" if token.startswith("--") else token + following)
            index += 2
            continue
        out.append(token)
        index += 1
    return out


def _run_tui(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.cli.commands import tui

    return tui.run(args, ctx)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, and map every outcome to an exit code; never a traceback for user errors.

    Ctrl-C at any moment, even while the command's modules are still being imported, is exit 130
    with one line, never a traceback. stderr whose reader has gone never changes the exit code."""
    from meshtui.cli.output import Diagnostics

    if not isinstance(sys.stderr, Diagnostics):
        sys.stderr = Diagnostics(sys.stderr)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        sys.stderr.write("meshtui: interrupted\n")
        sys.stderr.flush()
        return 130


def _main(argv: Sequence[str] | None) -> int:
    from meshtui.cli.context import CliContext

    arguments = list(argv) if argv is not None else sys.argv[1:]
    _Parser.json_errors = "--json" in arguments[:arguments.index("--")] if "--" in arguments else "--json" in arguments
    try:
        parser, args, extra = parse(arguments)
        if extra:
            module = importlib.import_module(f"meshtui.cli.commands.{args._module}") if hasattr(args, "_module") \
                else None
            accept = getattr(module, "accept_extra", None)
            rest = accept(args, extra) if accept else extra
            if rest:
                parser.error(f"unrecognized arguments: {' '.join(rest)}")
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    for key, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    ctx = CliContext.from_args(args)
    try:
        if args.command is None:
            return _run_tui(args, ctx)
        module = importlib.import_module(f"meshtui.cli.commands.{args._module}")
        return int(module.run(args, ctx) or 0)
    except MeshtuiError as exc:
        ctx.out.error(exc.message, exc.hint, exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        ctx.out.note("interrupted")
        return 130
    except BrokenPipeError:
        # Output piped to `head` and closed early: not an error.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug: one clear line, the traceback only on request
        if os.environ.get("MESHTUI_DEBUG"):
            raise
        ctx.out.error(f"internal error: {type(exc).__name__}: {exc}",
                      "re-run with MESHTUI_DEBUG=1 for the traceback and please report it", EXIT_FAILED)
        return EXIT_FAILED


def usage_error(message: str, hint: str | None = None) -> MeshtuiError:
    """A usage error (exit 2) raised by commands for bad argument combinations."""
    from meshtui.domain.errors import UsageError

    error = UsageError(message, hint=hint)
    assert error.exit_code == EXIT_USAGE
    return error


if __name__ == "__main__":
    raise SystemExit(main())
