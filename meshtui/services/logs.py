"""The log engine behind `meshtui logs` and the Logs panel (no Textual here).

It resolves a `LogQuery` to pods (label selector, name regex, deploy/NAME, pod/NAME:
`log_targets`), follows pods as they appear, restart or go (a pods watch), and runs one
`ContainerTail` per container instance chain (pod UID + container; sidecars hidden
unless asked) whose guarantee is exactly-once per instance. Lines reach the consumer
through a bounded buffer: the CLI blocks producers when it falls behind (nothing is
lost), the TUI drops the oldest lines and counts them. In `raw` mode (the CLI's fast
path) the buffer holds byte chunks, never one object per line. `fetch()` is the
no-follow path: every container read once, in parallel, complete or reported.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Protocol

from meshtui.adapters.kube import KubeClient
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.logs import LineFilter, LogLine, marker_text
from meshtui.services.feed import ResourceFeed
from meshtui.services.log_buffer import LineBuffer
from meshtui.services.log_fetch import Fetched, fetch_container
from meshtui.services.log_model import (
    LogBatch,
    StreamSummary,
    Target,
    chunk_lines,
    declared_sidecars,
    targets_of,
)
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import Chunk, Notice
from meshtui.services.log_tail import ContainerTail
from meshtui.services.log_targets import QueryTargets

__all__ = ["LogBatch", "LogEngine", "LogSession", "LogSource", "StreamSummary", "Target", "collect_pivot",
           "declared_sidecars", "pivot_query"]

NOTICE_KINDS = {"reconnected", "gap", "restarted", "ended", "failed", "retry"}


class LogSource(Protocol):
    """What the Logs panel uses from a running engine."""

    def drain(self, limit: int | None = None) -> LogBatch: ...
    def buffered(self) -> int: ...
    def stop(self) -> None: ...


class LogSession(Protocol):
    """What the Logs panel uses from the session: start an engine, pivot on a request id."""

    @property
    def default_namespace(self) -> str: ...
    def logs(self, query: LogQuery, on_ready: Callable[[], None]) -> LogSource: ...
    def pivot(self, request_id: str, namespace: str | None) -> list[LogLine]: ...


class LogEngine:
    """Tails many containers at once for one query."""

    def __init__(self, kube: KubeClient, query: LogQuery, *, on_ready: Callable[[], None] | None = None,
                 capacity: int = 200_000, drop_when_full: bool = True, raw: bool = False,
                 exact: bool = False) -> None:
        self.kube = kube
        self._errors = "surrogateescape" if exact else "replace"
        """`exact` (`--json`): lines keep bytes that are not UTF-8 (as U+DC80..U+DCFF) for the writer."""
        self.query = query.validate()
        self.line_filter: LineFilter = query.line_filter()
        self.raw = raw and not self.line_filter.active
        self.tails: dict[tuple[str, str, str, str], ContainerTail] = {}
        self.failure: str | None = None
        if drop_when_full and query.buffer:
            capacity = min(capacity, query.buffer)  # a consumer that keeps N lines never needs more queued
        self._buffer = LineBuffer(capacity, drop_when_full, on_ready or (lambda: None))
        self._stopped = threading.Event()
        self._feed: ResourceFeed | None = None
        self._synced = False
        self._where = QueryTargets(kube, self.query)

    # -- the query's pods (log_targets) ----------------------------------------------------
    def namespace(self) -> str:
        return self._where.namespace()

    def resolve(self) -> None:
        """deploy/NAME and pod/NAME become selectors; a missing one is NotFound (exit 1). Network IO."""
        self._where.resolve()

    def check(self) -> None:
        """Is the API server there at all? (ClusterUnreachable at once; 5xx retried.)"""
        self._where.check()

    # -- the buffer ------------------------------------------------------------------------
    @property
    def on_ready(self) -> Callable[[], None]:
        """Called (from a tail's thread) when there is something to drain; once until drained."""
        return self._buffer.on_ready

    @on_ready.setter
    def on_ready(self, callback: Callable[[], None]) -> None:
        self._buffer.on_ready = callback

    @property
    def dropped(self) -> int:
        return self._buffer.dropped

    def _deliver(self, chunk: Chunk) -> None:
        """A tail's callback (its thread): convert, filter, buffer; blocks when full and not dropping."""
        if self.raw:
            self._buffer.put([chunk], chunk.count)
            return
        lines = chunk_lines(chunk, self._errors)
        if self.line_filter.active:
            lines = [line for line in lines if line.marker is not None or self.line_filter.matches(line)]
        if lines:
            self._buffer.put(list(lines), len(lines))

    def _notify(self, notice: Notice) -> None:
        """A tail's notice: a restart becomes a marker line in the stream; the others are kept for drain."""
        if notice.kind == "restarted":
            source = notice.source
            text = marker_text(source.container, source.instance, notice.message)
            self._deliver(Chunk(source, text.encode(), 0, marker="restarted"))
        self._buffer.note(notice if notice.kind in NOTICE_KINDS else None)

    def drain(self, limit: int | None = None) -> LogBatch:
        """Take buffered lines (all, or about `limit`), notices and the streams' summary; thread-safe."""
        items, notices = self._buffer.take(limit)
        summary = self.summary()
        lines = [item for item in items if isinstance(item, LogLine)]
        chunks = [item for item in items if isinstance(item, Chunk)]
        return LogBatch(lines, self.dropped, summary.live, [n.text() for n in notices], chunks=chunks,
                        notices=notices, summary=summary)

    def buffered(self) -> int:
        return self._buffer.count

    def summary(self) -> StreamSummary:
        summary = StreamSummary(failure=self.failure)
        for tail in list(self.tails.values()):
            summary.add(tail.state, tail.attempts, tail.gaps, tail.reconnects)
        return summary

    # -- follow mode -----------------------------------------------------------------------
    def start(self) -> LogEngine:
        """Start following; resolving and listing happen in a thread (the caller may be an event loop)."""
        threading.Thread(target=self._start, name="log-engine", daemon=True).start()
        return self

    def _start(self) -> None:
        try:
            self.resolve()
        except MeshtuiError as exc:
            self.failure = exc.message
            self._signal()
            return
        if self._stopped.is_set():
            return
        where = self._where
        feed = self._feed = ResourceFeed(self.kube, where.collection(), name="log-pods",
                                         label_selector=where.selector, field_selector=where.field_selector,
                                         on_change=self._pods_changed)
        feed.start()
        if self._stopped.is_set():  # published first, checked after (see `stop`)
            feed.stop()

    def _signal(self) -> None:
        self._buffer.note(None)

    def _pods_changed(self) -> None:
        feed = self._feed
        if feed is None or self._stopped.is_set():
            return
        changes = feed.drain()
        initial = changes.resynced and not self._synced
        if changes.resynced:
            self._synced = True
        seen: set[tuple[str, str]] = set()
        for pod in changes.upserts.values():
            meta = pod.get("metadata", {})
            seen.add((meta.get("namespace", ""), meta.get("name", "")))
            for target in targets_of(pod, self.query):
                key = (target.namespace, target.pod, target.container, target.uid)
                tail = self.tails.get(key)
                if tail is not None:
                    tail.pod_changed(pod)
                    continue
                # New (or back under the same name with a new UID): a new pod's lines are all new.
                tail = ContainerTail(self.kube, pod, target.container, deliver=self._deliver, notify=self._notify,
                                     tail=self.query.effective_tail() if initial else None,
                                     since_seconds=self.query.since_seconds if initial else None)
                self.tails[key] = tail.start()  # published first, checked after (see `stop`)
                if self._stopped.is_set():
                    tail.stop()
                    return
        gone = {tuple(key.split("/", 1)) for key in changes.deletes}
        for key, tail in list(self.tails.items()):
            if (key[0], key[1]) in gone or (changes.resynced and (key[0], key[1]) not in seen):
                tail.pod_changed(None)  # the tail looks for itself: gone, or no longer matching
        self._signal()

    def finished(self) -> bool:
        """Every tail ended (for pod/NAME: nothing more will come)."""
        return bool(self.tails) and all(t.finished.is_set() for t in list(self.tails.values()))

    def stop(self) -> None:
        """Stop the feed and every tail. They are made on other threads, kept (`_feed`, `tails`) before those
        look at `_stopped`, which is set here before they are looked up: one made meanwhile is seen either way."""
        self._stopped.set()
        if self._feed is not None:
            self._feed.stop()
        for tail in list(self.tails.values()):
            tail.stop()
        self._buffer.close()

    def close(self) -> None:
        self.stop()

    def stats(self) -> dict[str, object]:
        tails = list(self.tails.values())
        return {"streams": sum(1 for t in tails if not t.finished.is_set()), "containers": len(tails),
                "reconnects": sum(t.reconnects for t in tails), "gaps": sum(t.gaps for t in tails),
                "delivered": {f"{t.namespace}/{t.pod}/{t.container}": t.delivered for t in tails},
                "dropped": self.dropped}

    # -- no-follow mode --------------------------------------------------------------------
    def list_targets(self) -> list[Target]:
        return self._where.targets()

    def fetch_all(self, workers: int = 32, plain: bool = False) -> Iterator[Fetched]:
        """Every matching container's log now, in parallel, as each completes (complete, or `error` set).

        `plain`: whole-log reads go without timestamps (chunks with `stamped=False`; the CLI's fast path)."""
        targets = self.list_targets()
        if not targets:
            return
        tail, since = self.query.effective_tail(), self.query.since_seconds
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets)))) as pool:
            futures = [pool.submit(fetch_container, self.kube, t.source(), tail=tail, since_seconds=since, plain=plain)
                       for t in targets]
            for future in as_completed(futures):
                yield future.result()

    def lines_of(self, chunks: list[Chunk]) -> list[LogLine]:
        """Chunks as line objects, the query's line filters applied."""
        lines = [line for chunk in chunks for line in chunk_lines(chunk, self._errors)]
        if self.line_filter.active:
            lines = [line for line in lines if line.marker is not None or self.line_filter.matches(line)]
        return lines

    def fetch(self, *, timestamps: bool = True, workers: int = 32) -> Iterator[LogBatch]:
        """One batch of lines per container as it completes (filters applied; errors as events)."""
        for fetched in self.fetch_all(workers):
            lines = self.lines_of(fetched.chunks)
            events = [n.text() for n in fetched.notices if n.kind == "gap"]
            if fetched.error:
                events.append(f"{fetched.source.name}: {fetched.error}")
            yield LogBatch(lines, events=events, notices=fetched.notices)


def pivot_query(request_id: str, namespace: str | None, all_namespaces: bool = True) -> LogQuery:
    """Every container (sidecars and gateways included) for lines carrying `request_id`."""
    return LogQuery(namespace=namespace, all_namespaces=all_namespaces, sidecars=True, include=id_pattern(request_id),
                    since_seconds=3600, follow=False)


def id_pattern(request_id: str) -> str:
    """A regex for the id as it is written in a line: as is, or JSON-escaped (`\\u001b`, `\\"`, `\\/`),
    since the id comes decoded from the line's fields and the search runs on the raw text."""
    import json

    parts = []
    for char in request_id:
        forms = {re.escape(char), re.escape(json.dumps(char)[1:-1]), re.escape(json.dumps(char, ensure_ascii=False)[1:-1])}
        if not char.isascii() or not char.isprintable() or char in "\\\"/":
            forms.add(rf"\\u(?i:{ord(char):04x})" if ord(char) < 0x10000 else re.escape(char))
        if char == "/":
            forms.add(r"\\/")
        parts.append(forms.pop() if len(forms) == 1 else "(?:" + "|".join(sorted(forms)) + ")")
    return "".join(parts)


def collect_pivot(kube: KubeClient, request_id: str, namespace: str | None) -> list[LogLine]:
    """All lines of one request across the mesh, in time order."""
    engine = LogEngine(kube, pivot_query(request_id, namespace))
    lines = [line for batch in engine.fetch() for line in batch.lines]
    lines.sort(key=lambda line: (line.ts, line.pod, line.container))
    return lines

