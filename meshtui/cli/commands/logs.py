"""`meshtui logs`: many pods at once, sidecars hidden, every line exactly once, or a loud failure.

Output goes out as bytes. Without filters or `--json`, chunks of lines from the engine
are prefixed with one regex pass each and written as they are (no object per line):
to a pipe or file the lines stay exactly as the container wrote them, like `kubectl
logs`; to a terminal they pass `inert_bytes` first, so a line can show an escape
sequence but never run one. `--json` writes one exact JSON object per line, with the
container instance (restart count); restart markers are objects with `"event"`.
Reconnects, gaps and failures are one notice each on stderr (JSON objects with `--json`); so is
the first line (or pod/container name) whose -i/-e/-c/pod/`~` regex took too long to match (it
counts as not matching), and at the end, the total if more followed.
Exit: 0 when everything asked for was delivered; 1 when a named pod/deployment does not
exist or any line could not be delivered (a gap, a container that could not be read);
130 on Ctrl-C and 143 on SIGTERM, after writing every line already received.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from meshtui.cli.context import CliContext

NO_FOLLOW_WORKERS = 32
"""Containers read at once by --no-follow when --max-log-requests is not given (each read ends)."""

if TYPE_CHECKING:
    from meshtui.cli.commands.logs_output import LineSink, Signals
    from meshtui.domain.errors import UsageError
    from meshtui.services.log_model import StreamSummary
    from meshtui.services.log_query import LogQuery
    from meshtui.services.logs import LogEngine


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    from meshtui.config.paths import user_settings_file
    from meshtui.services.log_query import add_query_arguments

    add_query_arguments(parser)
    parser.add_argument("-f", "--follow", action="store_true",
                        help="follow new lines (the default; accepted as in kubectl and stern)")
    parser.add_argument("--no-follow", action="store_true", help="print what is there now and exit")
    parser.epilog = ("every line exactly once per container instance: cut streams and API errors are retried and "
                     "resumed\nfrom the last line (one notice per reconnect on stderr); restarts are marked; lost "
                     "lines are reported.\nretries: backoff 50 ms doubling to 5 s; a follow never gives up; the "
                     "first API calls and\n--no-follow reads give up after 8 failed attempts in a row (about 6 s).\n"
                     "exit codes: 0 all delivered (or nothing matched in an existing namespace), 1 pod/deployment/"
                     "namespace\nnot found or lines not delivered, 2 bad input (or a follow matching more containers than "
                     "--max-log-requests\nwhen it is not given), 130 Ctrl-C, 143 SIGTERM\n"
                     "(lines already received are written first)\n"
                     f"the Logs panel's --buffer default: log_buffer_lines in {user_settings_file()}"
                     "\n($XDG_CONFIG_HOME/meshtui/config.yaml, else ~/.config/meshtui/config.yaml)")


def accept_extra(args: argparse.Namespace, extra: list[str]) -> list[str]:
    """Field filters may come after options (`logs catalog -n shop level>=warn`)."""
    from meshtui.services.log_query import split_filters

    rest, filters = split_filters(extra)
    args.where = list(args.where) + filters
    return rest


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from meshtui.cli.commands.logs_output import LineSink, Signals
    from meshtui.domain.errors import UsageError
    from meshtui.services.log_query import DEFAULT_BUFFER, query_from_args
    from meshtui.services.log_slots import CLI_MAX_STREAMS
    from meshtui.services.logs import LogEngine

    if args.follow and args.no_follow:
        raise UsageError("-f/--follow and --no-follow cannot be used together",
                         hint="following is the default: drop -f to print what is there now and exit")
    query = query_from_args(args, follow=not args.no_follow)
    sink = LineSink(ctx, query)
    # Following holds a stream and a thread per container: at most --max-log-requests (default 50, as stern),
    # and a query matching more is refused unless the limit was given (as kubectl): see `log_slots`.
    engine = LogEngine(ctx.wiring.kube, query, drop_when_full=False, capacity=query.buffer or DEFAULT_BUFFER,
                       raw=sink.raw, exact=sink.json, max_streams=CLI_MAX_STREAMS,
                       refuse_over_cap=query.max_streams is None)
    engine.resolve()  # deploy/NAME or pod/NAME that does not exist: NotFound, exit 1
    if query.follow:
        engine.check()  # an unreachable cluster is an error now, not a silent wait
    with Signals() as signals:
        if not query.follow:
            return _no_follow(engine, sink, signals, query)
        return _follow(engine, sink, signals, query)


def _no_follow(engine: LogEngine, sink: LineSink, signals: Signals, query: LogQuery) -> int:
    containers = slow = 0
    workers = query.max_streams or NO_FOLLOW_WORKERS  # reads at once: --max-log-requests when given
    for fetched in engine.fetch_all(workers, plain=sink.raw and not query.timestamps):
        containers += 1
        sink.notices(fetched.notices)
        if sink.raw:
            sink.chunks(fetched.chunks)
        else:
            sink.lines(engine.lines_of(fetched.chunks))
        if fetched.error:
            sink.failed(fetched.source.name, fetched.error)
        slow = slow_regex(sink, query, slow)
        if signals.received:
            break
    sink.flush()
    slow_regex(sink, query, slow, final=True)
    if signals.received:
        return signals.exit_code
    if not containers:
        return sink.nothing_matched(query)
    return sink.exit_code()


def over_cap(query: LogQuery, matched: int, cap: int) -> UsageError:
    """The refusal (exit 2) of a follow that matches more containers than the default cap, as kubectl's."""
    from meshtui.domain.errors import UsageError

    return UsageError(f"{query.describe() or 'the query'} matches {matched:,} containers; meshtui logs follows at "
                      f"most {cap} at once unless told otherwise",
                      hint="narrow it (-l SELECTOR, a pod name regex, -c CONTAINER_RE), or follow the first N in "
                           "namespace/pod/container order with --max-log-requests N")


def capped(summary: StreamSummary) -> str:
    """The one notice of a follow that reached its cap: how many are followed, of how many, and what to do."""
    return (f"following {summary.live:,} of {summary.matched:,} matching containers (--max-log-requests "
            f"{summary.cap}); the others wait for a free slot in namespace/pod/container order: narrow the "
            "query with -l or a pod name, or raise --max-log-requests")


def slow_regex(sink: LineSink, query: LogQuery, said: int, final: bool = False) -> int:
    """The notice of lines left out because a user regex took too long on them: once, at the first one
    (`said` is the count told so far, returned updated); `final`: the total, if more came since."""
    from meshtui.services.log_model import regex_timeouts, slow_regex_note

    count = sum(regex_timeouts(query))
    if not count or count == said or (said and not final):
        return said
    note = slow_regex_note(query)
    sink.say("slow regex", note.replace("regex too slow:", "regex too slow, in all:", 1) if said else note,
             timeouts=count)
    return count


def _follow(engine: LogEngine, sink: LineSink, signals: Signals, query: LogQuery) -> int:
    import time

    engine.on_ready = signals.wake.set
    engine.start()
    started = time.monotonic()
    capped_said = False
    slow = 0
    try:
        while not signals.received:
            signals.wake.wait(1.0)
            signals.wake.clear()
            if engine.over_cap is not None:
                raise over_cap(query, engine.over_cap, engine.max_streams)
            batch = engine.drain()
            sink.batch(batch)
            slow = slow_regex(sink, query, slow)
            if batch.summary is not None and batch.summary.queued and not capped_said:
                capped_said = True
                sink.say("capped", capped(batch.summary))
            if engine.failure:
                sink.failed("query", engine.failure)
                return 1
            if query.pod_name and engine.finished() and not engine.buffered():
                break  # the one pod asked for is gone or finished, and read to its end
            if not engine.tails and not sink.waiting_said and time.monotonic() - started > 3:
                sink.waiting(query)
        sink.batch(engine.drain())  # Ctrl-C or SIGTERM: everything already received goes out first
    finally:
        engine.stop()
        sink.flush()
        slow_regex(sink, query, slow, final=True)
    return signals.exit_code if signals.received else sink.exit_code()
