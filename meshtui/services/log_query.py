"""What to tail: pods by selector, name regex or workload; containers; lines; window.

`LogQuery` is filled from `meshtui logs` flags, and the Logs panel's query box is
parsed by the very same argparse definitions (`add_query_arguments`), so both accept
the same words and reject bad ones with the same message: `-n shop`, `-A`,
`-l app=catalog`, `deploy/catalog-v1`, `pod/NAME`, `-c REGEX`, `--sidecars`,
`--since 5m`, `--tail 100`, `-i REGEX`, `-e REGEX`, `--highlight REGEX`, `level>=warn`,
`status=5xx`; a bare word is a regex on pod names.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from meshtui.domain.errors import UsageError
from meshtui.domain.logs import FieldFilter, LineFilter
from meshtui.domain.selectors import SelectorSyntaxError, check_label_selector
from meshtui.domain.user_regex import PASS_SECONDS, STREAM_GIVE_UP, UserRegex, UserRegexError

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", re.ASCII)  # ASCII: `５m` is not a duration to kubectl
MAX_SINCE = 2_562_047 * 3600
"""The longest `--since` (2562047h, about 292 years): kubectl's limit, a Go duration in ns."""
MAX_TAIL = 1_000_000_000
BUFFER_RANGE = (100, 1_000_000)
"""Lines `--buffer` may hold: the bounds of `log_buffer_lines` in config.yaml."""
MAX_LOG_REQUESTS = 10_000
"""The most containers `--max-log-requests` lets one query follow at once (a thread and a stream each)."""


def shown(text: str, limit: int = 24) -> str:
    """User input echoed in a message: as typed, or its start and length when it is long."""
    return text if len(text) <= limit else f"{text[:limit - 3]}… ({len(text)} chars)"


def parse_duration(text: str) -> int:
    """`90s`, `5m`, `1h30m`, `2h` -> seconds (at most `MAX_SINCE`)."""
    match = _DURATION.match(text.strip())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(f"not a duration: {shown(text)!r} (use 30s, 5m, 1h)")
    if any(g and len(g) > 12 for g in match.groups()):  # far beyond the limit, and no 5000-digit int()
        seconds = MAX_SINCE + 1
    else:
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds > MAX_SINCE:
        raise UsageError(f"--since is too long: {shown(text)!r} (at most 2562047h, as kubectl)")
    return seconds


def _count(text: str | None, flag: str, low: int, high: int, allowed: str) -> int | None:
    """A whole-number flag within bounds, or one message naming the flag, what it allows and what was given."""
    if text is None:
        return None
    digits = text.strip()
    if re.fullmatch(r"[+-]?[0-9]{1,12}", digits) and low <= int(digits) <= high:
        return int(digits)
    got = shown(text) if re.fullmatch(r"[+-]?[0-9]+", digits) else repr(shown(text))
    raise UsageError(f"{flag} must be {allowed} (got {got})")


def _regex(text: str | None, what: str, give_up: float = STREAM_GIVE_UP) -> UserRegex | None:
    """A user's regex, matched off the event loop's GIL with a time limit a line (`domain.user_regex`)."""
    if not text:
        return None
    try:
        return UserRegex(text, concurrent=True, give_up=give_up)
    except UserRegexError as exc:
        raise UsageError(f"bad {what} regex {text!r}: {exc}") from None


@dataclass(frozen=True)
class LogQuery:
    """Which containers to read and which lines to keep."""

    namespace: str | None = None
    all_namespaces: bool = False
    selector: str | None = None
    pod_pattern: str | None = None
    pod_name: str | None = None
    workload: str | None = None
    containers: str | None = None
    exclude_containers: str | None = None
    sidecars: bool = False
    since_seconds: int | None = None
    tail: int | None = None
    include: str | None = None
    exclude: str | None = None
    highlight: str | None = None
    field_filters: tuple[str, ...] = field(default_factory=tuple)
    timestamps: bool = False
    follow: bool = True
    buffer: int | None = None
    """Lines held in memory (CLI queue / Logs panel view); None: the default."""
    max_streams: int | None = None
    """`--max-log-requests`: containers followed at once; None: the engine's default (CLI 50, Logs panel 100)."""
    compiled: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    """Filters made once and shared (engine threads, CLI), so their regexes' timeouts add up (`log_model`)."""

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        return self.compiled[key] if key in self.compiled else self.compiled.setdefault(key, make())

    def line_filter(self) -> LineFilter:
        try:
            fields = [FieldFilter.parse(f) for f in self.field_filters]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return self._once("lines", lambda: LineFilter(_regex(self.include, "include"),
                                                      _regex(self.exclude, "exclude"), fields))

    def pod_regex(self) -> UserRegex | None:
        return self._once("pod", lambda: _regex(self.pod_pattern, "pod"))

    def container_regexes(self) -> tuple[UserRegex | None, UserRegex | None]:
        return self._once("containers", lambda: (_regex(self.containers, "container"),
                                                 _regex(self.exclude_containers, "container exclude")))

    def highlight_regex(self) -> UserRegex | None:
        return _regex(self.highlight, "highlight", give_up=PASS_SECONDS)  # drawn on the event loop

    def effective_tail(self) -> int | None:
        """kubectl's default: everything for one pod, the last 10 lines per container otherwise."""
        if self.tail is not None:
            return None if self.tail < 0 else self.tail
        if self.pod_name:
            return None
        return 10 if self.follow and self.since_seconds is None else None

    def validate(self) -> LogQuery:
        self.line_filter(), self.pod_regex(), self.container_regexes(), self.highlight_regex()
        if self.workload and not re.fullmatch(r"(deploy|deployment|deployments)/[a-z0-9.-]+", self.workload):
            raise UsageError(f"unknown workload {self.workload!r}; use deploy/NAME")
        return self

    def describe(self) -> str:
        """The query as query-box text (parses back to the same query)."""
        parts = []
        if self.all_namespaces:
            parts.append("-A")
        elif self.namespace:
            parts.append(f"-n {shlex.quote(self.namespace)}")
        for flag, value in (("-l", self.selector), ("", self.workload), ("", self.pod_name and f"pod/{self.pod_name}"),
                            ("", self.pod_pattern), ("-c", self.containers),
                            ("--exclude-container", self.exclude_containers), ("-i", self.include),
                            ("-e", self.exclude), ("--highlight", self.highlight)):
            if value:
                parts.append(f"{flag} {shlex.quote(value)}".strip())
        parts += [shlex.quote(f) for f in self.field_filters]
        if self.sidecars:
            parts.append("--sidecars")
        if self.since_seconds:
            parts.append(f"--since {self.since_seconds}s")
        if self.tail is not None:
            parts.append(f"--tail {self.tail}")
        if self.timestamps:
            parts.append("--timestamps")
        if self.buffer is not None:
            parts.append(f"--buffer {self.buffer}")
        if self.max_streams is not None:
            parts.append(f"--max-log-requests {self.max_streams}")
        return " ".join(parts)


def selector_of(deploy: dict) -> str:
    """A Deployment's spec.selector as a label selector string (matchLabels and matchExpressions)."""
    selector = deploy.get("spec", {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


FILTER_LOOK = re.compile(r"^[A-Za-z_][\w.-]*\s*(>=|<=|!=|=~|!~|==|=|>|<|~)")
DEFAULT_BUFFER = 50_000


class QueryParser(argparse.ArgumentParser):
    """argparse that raises `UsageError` (the Logs panel's query box) instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message.strip() if message else "cannot parse the query")


def _since(text: str | None) -> int | None:
    """`--since`: an empty value is an error; `0s` means no limit, as in kubectl (the API has no 0)."""
    if text is None:
        return None
    return parse_duration(text) or None


def add_query_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `meshtui logs`, also the syntax of the Logs panel's query box (one parser, one message)."""
    parser.add_argument("query", nargs="*", metavar="QUERY",
                        help="a regex on pod names, deploy/NAME or pod/NAME; extra words like level>=warn or "
                             "status=5xx are field filters")
    parser.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    parser.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    parser.add_argument("-l", "--selector", help="label selector, e.g. app=catalog,version in (v1,v2)")
    parser.add_argument("-c", "--container", help="regex of containers to show")
    parser.add_argument("--exclude-container", metavar="RE", help="regex of containers to hide")
    parser.add_argument("--sidecars", action="store_true", help="also show istio-proxy and other sidecars")
    parser.add_argument("--since", metavar="DUR", help="only lines newer than this, e.g. 30s, 5m, 1h30m, at most 2562047h (0s: no limit, as kubectl)")
    parser.add_argument("--tail", default=None, metavar="N",
                        help="lines per container to start with: -1 (all) or 0 to 1,000,000,000 (default: all for "
                             "one pod, 10 otherwise)")
    parser.add_argument("-i", "--include", metavar="RE", help="only lines matching this regex")
    parser.add_argument("-e", "--exclude", metavar="RE", help="drop lines matching this regex")
    parser.add_argument("--highlight", metavar="RE", help="highlight matches")
    parser.add_argument("--where", action="append", default=[], metavar="EXPR",
                        help="field filter on JSON/Envoy lines, repeatable: level>=warn, status=5xx, duration>200")
    parser.add_argument("--timestamps", action="store_true", help="show each line's timestamp")
    parser.add_argument("--buffer", default=None, metavar="LINES",
                        help="lines held in memory, 100 to 1,000,000: the CLI's queue before producers wait "
                             "(default 50,000); the Logs panel's view (default: log_buffer_lines in config.yaml, "
                             "20,000; the file is named below)")
    parser.add_argument("--max-log-requests", default=None, metavar="N",
                        help="containers followed at once, 1 to 10,000; more matches wait for a free slot, in "
                             "namespace/pod/container order. Default: 50 for meshtui logs (as stern), which refuses "
                             "a follow matching more unless this is given (as kubectl); 100 in the Logs panel. With "
                             "--no-follow: containers read at once (default 32)")


def split_filters(words: list[str]) -> tuple[list[str], list[str]]:
    """Words that look like `field<op>value` are field filters; the rest are pod queries."""
    filters = [word for word in words if FILTER_LOOK.match(word)]
    return [word for word in words if word not in filters], filters


def query_from_args(args: argparse.Namespace, *, follow: bool = True) -> LogQuery:
    """Parsed flags -> a validated LogQuery (bad combinations and regexes: UsageError)."""
    targets, filters = split_filters(list(args.query))
    filters += list(args.where)
    if len(targets) > 1:
        raise UsageError(f"one pod query at a time (got {', '.join(targets)})",
                         hint="use a regex such as 'catalog|ratings', or -l with a selector")
    if args.namespace and args.all_namespaces:
        raise UsageError("-n and -A cannot be used together")
    if args.selector:
        try:
            check_label_selector(args.selector)
        except SelectorSyntaxError as exc:  # refused before any request (and before the TUI stops its query)
            raise UsageError(f"bad label selector {shown(args.selector)!r}: {exc}",
                             hint="e.g. -l app=catalog or -l 'app in (catalog,ratings),version!=v3'") from None
    tail = _count(args.tail, "--tail", -1, MAX_TAIL, "-1 (all lines) or 0 to 1,000,000,000 lines")
    buffer = _count(args.buffer, "--buffer", *BUFFER_RANGE, "100 to 1,000,000 lines")
    streams = _count(args.max_log_requests, "--max-log-requests", 1, MAX_LOG_REQUESTS, "1 to 10,000 containers")
    target = targets[0] if targets else None
    workload = target if target and target.startswith(("deploy/", "deployment/", "deployments/")) else None
    pod_name = target[4:] if target and target.startswith("pod/") else None
    if target is not None and target.startswith(("po/", "pods/")):
        pod_name = target.split("/", 1)[1]
    if pod_name == "" or (workload is not None and not workload.split("/", 1)[1]):
        raise UsageError(f"{target!r} names no {'pod' if workload is None else 'deployment'}")
    pattern = target if target and not workload and pod_name is None else None
    return LogQuery(namespace=args.namespace, all_namespaces=args.all_namespaces, selector=args.selector,
                    pod_pattern=pattern, pod_name=pod_name, workload=workload, containers=args.container,
                    exclude_containers=args.exclude_container, sidecars=args.sidecars,
                    since_seconds=_since(args.since), tail=tail,
                    include=args.include, exclude=args.exclude, highlight=args.highlight,
                    field_filters=tuple(filters), timestamps=args.timestamps, follow=follow,
                    buffer=buffer, max_streams=streams).validate()


def parse_query(text: str, base: LogQuery | None = None) -> LogQuery:
    """The Logs panel's query box -> LogQuery, with exactly the CLI's parser and messages.

    `base` fills what the text leaves out: the namespace (unless -n or -A is given).
    """
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot parse the query: {exc}") from None
    parser = QueryParser(prog="query", add_help=False)
    add_query_arguments(parser)
    args, extra = parser.parse_known_args(tokens)
    targets, filters = split_filters(extra)
    if targets:
        raise UsageError(f"unrecognized arguments: {' '.join(targets)}")
    args.where = list(args.where) + filters
    query = query_from_args(args)
    if base is not None and not query.namespace and not query.all_namespaces:
        query = replace(query, namespace=base.namespace, all_namespaces=base.all_namespaces)
    return query
