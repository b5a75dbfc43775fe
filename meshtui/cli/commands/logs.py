"""`meshtui logs`: many pods at once, sidecars hidden, nothing lost when streams drop."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys

from meshtui.cli.context import CliContext

FILTER_LOOK = re.compile(r"^[A-Za-z_][\w.-]*\s*(>=|<=|!=|=~|!~|==|=|>|<|~)")
POD_COLOURS = ["cyan", "magenta", "yellow", "green", "blue", "red"]


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="*", metavar="QUERY",
                        help="a regex on pod names, deploy/NAME or pod/NAME; extra words like level>=warn or "
                             "status=5xx are field filters")
    parser.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    parser.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    parser.add_argument("-l", "--selector", help="label selector, e.g. app=catalog,version in (v1,v2)")
    parser.add_argument("-c", "--container", help="regex of containers to show")
    parser.add_argument("--exclude-container", metavar="RE", help="regex of containers to hide")
    parser.add_argument("--sidecars", action="store_true", help="also show istio-proxy and other sidecars")
    parser.add_argument("--since", metavar="DUR", help="only lines newer than this, e.g. 30s, 5m, 1h")
    parser.add_argument("--tail", type=int, default=None, metavar="N",
                        help="lines per container to start with (-1 = all; default: all for one pod, 10 otherwise)")
    parser.add_argument("-i", "--include", metavar="RE", help="only lines matching this regex")
    parser.add_argument("-e", "--exclude", metavar="RE", help="drop lines matching this regex")
    parser.add_argument("--highlight", metavar="RE", help="highlight matches (terminal only)")
    parser.add_argument("--where", action="append", default=[], metavar="EXPR",
                        help="field filter on JSON/Envoy lines, repeatable: level>=warn, status=5xx, duration>200")
    parser.add_argument("--timestamps", action="store_true", help="prefix each line with its timestamp")
    parser.add_argument("--no-follow", action="store_true", help="print what is there and exit")


def accept_extra(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """Field filters may come after options (`logs catalog -n shop level>=warn`)."""
    filters = [word for word in extra if FILTER_LOOK.match(word)]
    args.where = list(args.where) + filters
    return [word for word in extra if word not in filters]


def build_query(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from meshtui.domain.errors import UsageError
    from meshtui.services.log_query import LogQuery, parse_duration

    targets = [word for word in args.query if not FILTER_LOOK.match(word)]
    filters = [word for word in args.query if FILTER_LOOK.match(word)] + list(args.where)
    if len(targets) > 1:
        raise UsageError(f"one pod query at a time (got {', '.join(targets)})",
                         hint="use a regex such as 'catalog|ratings', or -l with a selector")
    if args.namespace and args.all_namespaces:
        raise UsageError("-n and -A cannot be used together")
    target = targets[0] if targets else None
    workload = target if target and target.startswith(("deploy/", "deployment/")) else None
    pod_name = target[4:] if target and target.startswith("pod/") else None
    pattern = target if target and not workload and not pod_name else None
    return LogQuery(namespace=args.namespace, all_namespaces=args.all_namespaces, selector=args.selector,
                    pod_pattern=pattern, pod_name=pod_name, workload=workload, containers=args.container,
                    exclude_containers=args.exclude_container, sidecars=args.sidecars,
                    since_seconds=parse_duration(args.since) if args.since else None, tail=args.tail,
                    include=args.include, exclude=args.exclude, highlight=args.highlight, field_filters=tuple(filters),
                    timestamps=args.timestamps, follow=not args.no_follow).validate()


class LineWriter:
    """Formats lines for a terminal (inert, coloured) or a pipe (as received)."""

    def __init__(self, ctx: CliContext, query) -> None:  # type: ignore[no-untyped-def]
        self.out = ctx.out
        self.query = query
        self.tty = self.out.stream.isatty() if hasattr(self.out.stream, "isatty") else False
        self.highlight = query.highlight_regex()
        self._prefixes: dict[tuple[str, str, str], str] = {}

    def prefix(self, line) -> str:  # type: ignore[no-untyped-def]
        key = (line.namespace, line.pod, line.container)
        cached = self._prefixes.get(key)
        if cached is None:
            pod = f"{line.namespace}/{line.pod}" if self.query.all_namespaces else line.pod
            if self.out.color:
                colour = POD_COLOURS[int(hashlib.md5(line.pod.encode()).hexdigest(), 16) % len(POD_COLOURS)]
                cached = f"{self.out.style(pod, colour)} {self.out.style(line.container, 'dim')} "
            else:
                cached = f"{pod} {line.container} "
            self._prefixes[key] = cached
        return cached

    def write(self, lines) -> None:  # type: ignore[no-untyped-def]
        if self.out.json_mode:
            for line in lines:
                self.out.jsonl(line.to_dict())
            return
        from meshtui.domain.logs import sanitize
        from meshtui.domain.timefmt import format_ns

        rendered = []
        for line in lines:
            text = sanitize(line.raw) if self.tty else line.raw
            if self.highlight is not None and self.out.color:
                text = self.highlight.sub(lambda m: self.out.style(m.group(0), "bold", "yellow"), text)
            stamp = f"{format_ns(line.ts)} " if self.query.timestamps and line.ts else ""
            rendered.append(f"{stamp}{self.prefix(line)}{text}")
        self.out.write_raw_lines(rendered)


def _fast_no_follow(ctx: CliContext, writer: LineWriter, engine) -> int:  # type: ignore[no-untyped-def]
    """Whole logs to a pipe or file: one join per container, lines as received."""
    from meshtui.domain.logs import LogLine

    seen = 0
    for target, text, error in engine.fetch_text():
        if error is not None:
            ctx.out.note(f"meshtui: {target.pod}/{target.container}: {error}")
            continue
        seen += 1
        if not text:
            continue
        prefix = writer.prefix(LogLine(target.namespace, target.pod, target.container, target.version, 0, ""))
        body = text[:-1] if text.endswith("\n") else text
        ctx.out.stream.write(ctx.masker.mask(prefix + body.replace("\n", "\n" + prefix)) + "\n")
    ctx.out.flush()
    if not seen:
        ctx.out.note(f"meshtui: no running containers match {engine.query.describe()}")
    return 0


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    import threading

    from meshtui.services.logs import LogEngine

    query = build_query(args)
    kube = ctx.wiring.kube
    writer = LineWriter(ctx, query)
    if not query.follow and not query.line_filter().active and not query.timestamps and not ctx.out.json_mode \
            and not writer.tty:
        return _fast_no_follow(ctx, writer, LogEngine(kube, query, drop_when_full=False))
    if not query.follow:
        engine = LogEngine(kube, query, drop_when_full=False)
        seen = 0
        for batch in engine.fetch(timestamps=query.timestamps or ctx.out.json_mode):
            for event in batch.events:
                ctx.out.note(f"meshtui: {event}")
            writer.write(batch.lines)
            seen += 1
        ctx.out.flush()
        if not seen:
            ctx.out.note(f"meshtui: no running containers match {query.describe()}")
        return 0
    ready = threading.Event()
    engine = LogEngine(kube, query, on_ready=ready.set, drop_when_full=False, capacity=50_000)
    engine.start()
    try:
        while True:
            ready.wait(1.0)
            ready.clear()
            batch = engine.drain()
            for event in batch.events:
                ctx.out.note(f"meshtui: {event}")
            if batch.lines:
                writer.write(batch.lines)
                ctx.out.flush()
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        return 0
    finally:
        engine.stop()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            pass
