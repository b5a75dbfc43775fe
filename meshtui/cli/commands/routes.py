"""`meshtui routes ...`: the Traffic panel's operations, headless (same engine, same edits, same objects).

Reading: `list`, `show`, `observe`. Writing: `set`, `shift`, `preset`, `match`, `fault`,
`mirror`, `timeout`, `breaker` (partial: flags not given keep their values), `undo`,
`reset`, `cleanup` (see `routes_write`). Every write prints the exact diff first and, on a
terminal, asks unless `--yes`; off a terminal, changes proceed (they are undoable) while
`reset` and `cleanup` (which delete objects) and a new fault left at its default of every
request require `--yes`.

Values such as `-1s` or `-5` are read as the flag's value (and then judged by the same
rules as any other value), not as unknown options: a negative duration gets the
duration's message, not an argparse one.
"""

from __future__ import annotations

import argparse
import re

from meshtui.cli.context import CliContext
from meshtui.domain.errors import UsageError
from meshtui.domain.routes.inputs import quoted, split_host
from meshtui.domain.routes.operations import PRESETS
from meshtui.domain.text import inert

WRITES = ("set", "shift", "preset", "match", "fault", "mirror", "timeout", "breaker", "undo", "reset", "cleanup")


# argparse reads an argument that starts with '-' and is not a negative number as an option;
# its documented rule is "looks like a negative number", decided by this pattern. Widening it
# to "a '-' then a digit" lets `--interval -1s` and `timeout HOST -1s` reach the value checks.
_NEGATIVE_LIKE = re.compile(r"^-\d")


def _values_may_start_with_minus(parser: argparse.ArgumentParser) -> None:
    parser._negative_number_matcher = _NEGATIVE_LIKE


def _common(parser: argparse.ArgumentParser, *, write: bool = True) -> None:
    _values_may_start_with_minus(parser)
    parser.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    if write:
        parser.add_argument("--dry-run", action="store_true",
                            help="print the diff and validate on the server; write nothing")
        parser.add_argument("-y", "--yes", action="store_true",
                            help="do not ask; on a conflict, apply on top of the other change")


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("list", parents=[parent], help="hosts with their subsets, weights and rules")
    _common(p, write=False)
    p = sub.add_parser("show", parents=[parent], help="the rules of one host")
    p.add_argument("host")
    _common(p, write=False)
    p = sub.add_parser("set", parents=[parent], help="set weights: routes set catalog v1=90 v2=10")
    p.add_argument("host")
    p.add_argument("weights", nargs="+", metavar="SUBSET=WEIGHT")
    _common(p)
    p = sub.add_parser("shift", parents=[parent], help="move weight to a subset: routes shift catalog v2 --by 10")
    p.add_argument("host")
    p.add_argument("to", metavar="SUBSET")
    p.add_argument("--by", default=None, metavar="POINTS", help="points of weight to move (default 10; negative "
                   "moves it back)")
    p.add_argument("--from", dest="source", metavar="SUBSET", help="take the weight from this subset only")
    _common(p)
    p = sub.add_parser("preset", parents=[parent], help=f"one of {', '.join(PRESETS)}")
    p.add_argument("host")
    p.add_argument("preset", metavar="PRESET", help=", ".join(PRESETS))
    p.add_argument("--to", metavar="SUBSET", help="the canary for canary, half and bluegreen (default: the subset "
                   "already taking canary traffic, else the second)")
    _common(p)
    p = sub.add_parser("match", parents=[parent], help="route a header to a subset ahead of the weights (or "
                       "--remove that rule)")
    p.add_argument("host")
    p.add_argument("--header", required=True, metavar="K=V", help="e.g. end-user=tester")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--to", metavar="SUBSET")
    group.add_argument("--remove", action="store_true", help="remove the rule that matches exactly K=V")
    _common(p)
    p = sub.add_parser("fault", parents=[parent], help="inject a delay or an abort (or --clear it)")
    p.add_argument("host")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--delay", metavar="DURATION", help="e.g. 2s (at least 1ms, whole milliseconds)")
    group.add_argument("--abort", metavar="HTTP_STATUS", help="e.g. 503 (200-599)")
    group.add_argument("--clear", action="store_true", help="remove the fault")
    p.add_argument("--percent", metavar="P", help="share of requests, 0-100 (default: kept, or 100 for a new fault)")
    p.add_argument("--subset", help="the rule that routes to this subset (default: the weighted rule)")
    _common(p)
    p = sub.add_parser("mirror", parents=[parent], help="mirror a share of traffic to a subset")
    p.add_argument("host")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--to", metavar="SUBSET")
    group.add_argument("--clear", action="store_true")
    p.add_argument("--percent", metavar="P", help="share mirrored, 0-100 (default: kept, or 100 for a new mirror)")
    _common(p)
    p = sub.add_parser("timeout", parents=[parent], help="request timeout and retries (only what you give changes)")
    p.add_argument("host")
    p.add_argument("timeout", nargs="?", metavar="DURATION", help="e.g. 2s; 'none' removes it; omit to keep it")
    p.add_argument("--retries", metavar="N", help="retry attempts (0 disables retries)")
    p.add_argument("--per-try", metavar="DURATION", help="timeout per attempt")
    p.add_argument("--retry-on", default=None, help="e.g. 5xx,connect-failure (default for new retries: "
                   "5xx,connect-failure,refused-stream)")
    _common(p)
    p = sub.add_parser("breaker", parents=[parent], help="circuit breaking on the DestinationRule (only what you "
                       "give changes; a host with no breaker yet gets safe defaults, shown before "
                       "applying)")
    p.add_argument("host")
    p.epilog = ("Give `none` as a value to remove that field (Istio's own default then applies). The defaults "
                "below fill in only when the host has no connection pool and no outlier detection yet; an "
                "existing breaker, however partial, changes exactly the flags given.")
    p.add_argument("--max-connections", metavar="N", help="TCP connection limit, >= 1 (default 100)")
    p.add_argument("--max-pending", metavar="N", help="queued HTTP/1.1 requests, >= 1 (default 100)")
    p.add_argument("--max-requests-per-connection", metavar="N", help="0 = unlimited (default: not set)")
    p.add_argument("--consecutive-errors", metavar="N", help="5xx in a row before ejecting a pod (default 5)")
    p.add_argument("--interval", metavar="DURATION", help="how often ejection is analysed (default 10s)")
    p.add_argument("--ejection-time", metavar="DURATION", help="base ejection time (default 30s)")
    p.add_argument("--max-ejection-percent", metavar="P", help="most pods ejected at once, 0-100 (default 10)")
    p.add_argument("--clear", action="store_true", help="remove the settings above (other pool and ejection "
                   "settings stay)")
    _common(p)
    p = sub.add_parser("undo", parents=[parent], help="restore the routes from before meshtui's last change "
                       "(refuses if they changed since, unless --force)")
    p.add_argument("host")
    p.add_argument("--force", action="store_true", help="restore even though the routes changed since (loses "
                   "that change)")
    _common(p)
    p = sub.add_parser("reset", parents=[parent], help="back to the routes before meshtui touched them (shows the "
                       "diff; undo reverts it)")
    p.add_argument("host")
    _common(p)
    p = sub.add_parser("observe", parents=[parent], help="the split the traffic really takes (from sidecar logs)")
    p.add_argument("host")
    p.add_argument("--seconds", default=None, metavar="N", help="window, 1-86400 (default 60)")
    _common(p, write=False)
    p = sub.add_parser("cleanup", parents=[parent], help="reset every host meshtui changed")
    _common(p)


def accept_extra(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """`routes timeout HOST --retries 3 2s`: argparse binds the optional DURATION before the flags; take it after."""
    if getattr(args, "action", None) == "timeout" and args.timeout is None and extra and not extra[0].startswith("-"):
        args.timeout = extra[0]
        return extra[1:]
    return extra


MAX_HOST = 253


def normalise_host(args: argparse.Namespace) -> None:
    """A host spelled `catalog.shop` or `catalog.shop.svc.cluster.local` is `catalog` in namespace shop.

    Normalised rather than refused: Istio and Kubernetes DNS take all these spellings for the
    same service, and users copy them from VirtualService specs. Everything after this (the
    objects found, the undo history, pod versions, messages) sees one name. A namespace in
    the host that contradicts `-n` is bad input (exit 2).
    """
    host = getattr(args, "host", None)
    if host is None:
        return
    if len(host) > MAX_HOST:  # no DNS name is longer: refused before any message echoes it
        raise UsageError(inert(f"HOST {quoted(host)}: not a host name (at most {MAX_HOST} characters)"),
                         hint="meshtui routes list shows the hosts")
    short, namespace = split_host(host)
    if namespace is None:
        return
    if args.namespace is not None and args.namespace != namespace:
        raise UsageError(inert(f"HOST {quoted(host)} is in namespace {namespace}, but -n says {args.namespace}"),
                         hint=f"give the short name ({short}) with -n, or leave -n out")
    args.host, args.namespace = short, namespace


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    normalise_host(args)
    if args.action in WRITES:
        from meshtui.cli.commands import routes_write

        return routes_write.run(args, ctx)
    from meshtui.cli.commands import routes_read

    return routes_read.run(args, ctx)
