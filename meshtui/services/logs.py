"""The log engine behind `meshtui logs` and the Logs panel (no Textual here).

It resolves a `LogQuery` to pods (label selector, name regex, deploy/NAME, pod/NAME: `log_targets`),
follows pods as they appear, restart or go (a pods watch), and runs one `ContainerTail` per container
instance chain (pod UID + container; sidecars hidden unless asked) whose guarantee is exactly-once per
instance, at most `max_streams` at once (`log_slots`: more matches wait for a slot, in a stable order).
Lines reach the consumer through a bounded buffer: the CLI blocks producers when it falls behind
(nothing is lost), the TUI drops the oldest lines and counts them. In `raw` mode (the CLI's fast path)
the buffer holds byte chunks, never one object per line. `fetch()` is the no-follow path: every
container read once, in parallel, complete or reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed

from meshtui.adapters.kube import KubeClient
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.logs import LineFilter, LogLine, marker_text
from meshtui.services.feed import ResourceFeed
from meshtui.services.log_buffer import LineBuffer
from meshtui.services.log_fetch import Fetched, fetch_container
from meshtui.services.log_model import (
    LogBatch,
    LogSession,
    LogSource,
    StreamSummary,
    Target,
    chunk_lines,
    declared_sidecars,
    regex_timeouts,
    slow_regex_note,
    targets_of,
)
from meshtui.services.log_pivot import id_pattern, pivot_query
from meshtui.services.log_query import LogQuery
from meshtui.services.log_reader import Chunk, Notice
from meshtui.services.log_slots import DEFAULT_MAX_STREAMS, Key, Slots
from meshtui.services.log_tail import ContainerTail
from meshtui.services.log_targets import QueryTargets

__all__ = ["LogBatch", "LogEngine", "LogSession", "LogSource", "StreamSummary", "Target", "collect_pivot",
           "declared_sidecars", "id_pattern", "pivot_query"]

NOTICE_KINDS = {"reconnected", "gap", "restarted", "ended", "failed", "retry"}


class LogEngine:
    """Tails many containers at once for one query."""

    def __init__(self, kube: KubeClient, query: LogQuery, *, on_ready: Callable[[], None] | None = None,
                 capacity: int = 200_000, drop_when_full: bool = True, raw: bool = False,
                 exact: bool = False, max_streams: int | None = None, refuse_over_cap: bool = False) -> None:
        self.kube = kube
        self._errors = "surrogateescape" if exact else "replace"
        """`exact` (`--json`): lines keep bytes that are not UTF-8 (as U+DC80..U+DCFF) for the writer."""
        self.query = query.validate()
        self.line_filter: LineFilter = query.line_filter()
        self.raw = raw and not self.line_filter.active
        self.tails: dict[Key, ContainerTail] = {}
        self.failure: str | None = None
        self.max_streams = query.max_streams or max_streams or DEFAULT_MAX_STREAMS
        self.over_cap: int | None = None  # `refuse_over_cap`: the first listing matched this many; none started
        self._refuse = refuse_over_cap
        self._slots = Slots(self.max_streams)
        self._lock = threading.RLock()  # tails start on the feed's thread and on ending tails' threads
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
            slow = regex_timeouts(self.query)
            lines = [line for line in lines if line.marker is not None or self.line_filter.matches(line)]
            if regex_timeouts(self.query) != slow:
                self._signal()  # lines dropped as too slow to match: the consumer's status says so, even with no line
        if lines:
            self._buffer.put(list(lines), len(lines))

    def _notify(self, notice: Notice) -> None:
        """A tail's notice: a restart becomes a marker line in the stream; the others are kept for drain."""
        if notice.kind == "restarted":
            source = notice.source
            text = marker_text(source.container, source.instance, notice.message)
            self._deliver(Chunk(source, text.encode(), 0, marker="restarted"))
        self._buffer.note(notice if notice.kind in NOTICE_KINDS else None)
        if notice.kind == "state" and len(self._slots):  # a tail that ended frees its slot for a queued one
            with self._lock:
                self._admit()

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
        with self._lock:  # not halfway through starting queued ones
            summary = StreamSummary(failure=self.failure, queued=len(self._slots), cap=self.max_streams,
                                    regex_timeouts=sum(regex_timeouts(self.query)), slow_regex=slow_regex_note(self.query))
            tails = list(self.tails.values())
        for tail in tails:
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
        with self._lock:
            self._changed(changes.upserts.values(), changes.deletes, changes.resynced, initial)
        self._signal()

    def _changed(self, upserts: Iterable[dict], deletes: Iterable[str], resynced: bool, initial: bool) -> None:
        """Followed containers told of their pod's change, new matches queued, then free slots filled."""
        seen: set[tuple[str, str]] = set()
        for pod in upserts:
            meta = pod.get("metadata", {})
            seen.add((meta.get("namespace", ""), meta.get("name", "")))
            for target in targets_of(pod, self.query):
                key = (target.namespace, target.pod, target.container, target.uid)
                tail = self.tails.get(key)
                if tail is not None:
                    tail.pod_changed(pod)
                else:  # new (or back under the same name with a new UID): it waits for a slot, if only briefly
                    self._slots.offer(key, pod, initial)
        gone = {(key.split("/", 1)[0], key.split("/", 1)[-1]) for key in deletes}
        self._slots.forget(seen if resynced else gone, keep_only=resynced)
        for key, tail in list(self.tails.items()):
            if (key[0], key[1]) in gone or (resynced and (key[0], key[1]) not in seen):
                tail.pod_changed(None)  # the tail looks for itself: gone, or no longer matching
        if initial and self._refuse and len(self._slots) > self.max_streams:
            self.over_cap = len(self._slots)  # the caller refuses the query: nothing is started
            self._slots.clear()
            return
        self._admit()

    def _admit(self) -> None:
        """Start queued containers while fewer than `max_streams` are followed (lock held)."""
        live = sum(1 for tail in self.tails.values() if not tail.finished.is_set())
        for key, pod, initial in self._slots.take(self.max_streams if self._stopped.is_set() else live):
            # A pod there from the start begins at the query's --tail/--since; a new pod's lines are all new.
            tail = ContainerTail(self.kube, pod, key[2], deliver=self._deliver, notify=self._notify,
                                 tail=self.query.effective_tail() if initial else None,
                                 since_seconds=self.query.since_seconds if initial else None)
            self.tails[key] = tail.start()  # published first, checked after (see `stop`)
            if self._stopped.is_set():
                tail.stop()
                return

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
                "queued": len(self._slots), "cap": self.max_streams,
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


def collect_pivot(kube: KubeClient, request_id: str, namespace: str | None) -> list[LogLine]:
    """All lines of one request across the mesh, in time order."""
    engine = LogEngine(kube, pivot_query(request_id, namespace))
    lines = [line for batch in engine.fetch() for line in batch.lines]
    lines.sort(key=lambda line: (line.ts, line.pod, line.container))
    return lines

