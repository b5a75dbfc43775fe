"""The log engine behind `meshtui logs` and the Logs panel (no Textual here).

It resolves a `LogQuery` to pods (label selector, name regex or deploy/NAME), follows
pods that appear, restart or get replaced (a pods watch), starts one resumable
`ContainerTail` per container (sidecars hidden unless asked), filters lines, and hands
them to the consumer in batches through a bounded buffer: the CLI blocks producers
when it falls behind (nothing is lost), the TUI drops the oldest lines and shows how
many. `fetch()` is the no-follow path: every container read in parallel.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for
from meshtui.domain.errors import MeshtuiError, UsageError
from meshtui.domain.logs import LineFilter, LogLine, is_sidecar
from meshtui.services.feed import ResourceFeed
from meshtui.services.log_query import LogQuery
from meshtui.services.log_tail import ContainerTail, split_stamped


@dataclass
class LogBatch:
    """Lines delivered together, plus the engine's counters at that moment."""

    lines: list[LogLine]
    dropped: int = 0
    streams: int = 0
    events: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    namespace: str
    pod: str
    container: str
    version: str
    restarts: int


def declared_sidecars(pod: dict) -> set[str]:
    """Containers Istio says it injected (sidecar.istio.io/status annotation)."""
    raw = (pod.get("metadata", {}).get("annotations") or {}).get("sidecar.istio.io/status")
    try:
        return set(json.loads(raw).get("containers", [])) if raw else set()
    except (ValueError, AttributeError):
        return set()


class LogEngine:
    """Tails many containers at once for one query."""

    def __init__(self, kube: KubeClient, query: LogQuery, *, on_ready: Callable[[], None] | None = None,
                 capacity: int = 200_000, drop_when_full: bool = True) -> None:
        self.kube = kube
        self.query = query.validate()
        self.line_filter: LineFilter = query.line_filter()
        self.pod_regex = query.pod_regex()
        self.include_c, self.exclude_c = query.container_regexes()
        self.on_ready = on_ready or (lambda: None)
        self.capacity = capacity
        self.drop_when_full = drop_when_full
        self.dropped = 0
        self.tails: dict[tuple[str, str, str], ContainerTail] = {}
        self.events: deque[str] = deque(maxlen=200)
        self._buffer: deque[LogLine] = deque()
        self._lock = threading.Condition()
        self._pending = False
        self._stopped = threading.Event()
        self._feed: ResourceFeed | None = None
        self._synced = False
        self._selector: str | None = None
        self._field_selector: str | None = None

    # -- resolving the query -----------------------------------------------------------
    def _namespace_path(self) -> str:
        q = self.query
        if q.all_namespaces:
            return "/api/v1/pods"
        namespace = q.namespace or self.kube.context.namespace or "default"
        return f"/api/v1/namespaces/{namespace}/pods"

    def resolve(self) -> None:
        """Turn deploy/NAME and pod/NAME into selectors the API server understands."""
        q = self.query
        self._selector = q.selector
        if q.pod_name:
            self._field_selector = f"metadata.name={q.pod_name}"
        if q.workload:
            name = q.workload.split("/", 1)[1]
            namespace = q.namespace or self.kube.context.namespace or "default"
            try:
                deploy = self.kube.get(path_for("apps", "v1", "deployments", namespace, name))
            except KubeApiError as exc:
                if exc.status == 404:
                    raise UsageError(f"deployment {namespace}/{name} not found") from None
                raise
            labels = deploy.get("spec", {}).get("selector", {}).get("matchLabels") or {}
            workload_selector = ",".join(f"{k}={v}" for k, v in labels.items())
            self._selector = ",".join(filter(None, [workload_selector, q.selector]))

    def targets(self, pod: dict) -> list[Target]:
        """The containers of `pod` this query reads (running ones, sidecars filtered)."""
        meta = pod.get("metadata", {})
        name = meta.get("name", "")
        if self.pod_regex is not None and not self.pod_regex.search(name):
            return []
        sidecars = declared_sidecars(pod)
        statuses = {s.get("name"): s for s in pod.get("status", {}).get("containerStatuses", [])}
        version = (meta.get("labels") or {}).get("version", "")
        out = []
        for container in pod.get("spec", {}).get("containers", []):
            cname = container.get("name", "")
            status = statuses.get(cname)
            if status is None or not (status.get("state", {}).get("running") or status.get("state", {}).get("terminated")
                                      or status.get("lastState", {}).get("terminated")):
                continue
            if not self.query.sidecars and is_sidecar(cname, sidecars, len(pod.get("spec", {}).get("containers", []))) \
                    and not (
                    self.include_c is not None and self.include_c.search(cname)):
                continue
            if self.include_c is not None and not self.include_c.search(cname):
                continue
            if self.exclude_c is not None and self.exclude_c.search(cname):
                continue
            out.append(Target(meta.get("namespace", ""), name, cname, version, int(status.get("restartCount", 0))))
        return out

    # -- buffer ------------------------------------------------------------------------
    def _emit(self, lines: list[LogLine]) -> None:
        if self.line_filter.active:
            lines = [line for line in lines if self.line_filter.matches(line)]
        if not lines:
            return
        with self._lock:
            if not self.drop_when_full:
                while len(self._buffer) + len(lines) > self.capacity and len(self._buffer) and not self._stopped.is_set():
                    self._lock.wait(0.2)
            self._buffer.extend(lines)
            overflow = len(self._buffer) - self.capacity
            if overflow > 0:
                for _ in range(overflow):
                    self._buffer.popleft()
                self.dropped += overflow
            notify = not self._pending
            self._pending = True
        if notify:
            self.on_ready()

    def _event(self, message: str) -> None:
        self.events.append(message)

    def drain(self, limit: int | None = None) -> LogBatch:
        """Take buffered lines (all, or at most `limit`); thread-safe."""
        with self._lock:
            if limit is None or limit >= len(self._buffer):
                lines = list(self._buffer)
                self._buffer.clear()
                self._pending = False
            else:
                lines = [self._buffer.popleft() for _ in range(limit)]
            self._lock.notify_all()
            events = list(self.events)
            self.events.clear()
            streams = sum(1 for t in self.tails.values() if not t.finished.is_set())
        return LogBatch(lines, self.dropped, streams, events)

    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer)

    # -- follow mode -------------------------------------------------------------------
    def start(self) -> LogEngine:
        self.resolve()
        self._feed = ResourceFeed(self.kube, self._namespace_path(), name="log-pods", label_selector=self._selector,
                                  field_selector=self._field_selector, on_change=self._pods_changed)
        self._feed.start()
        return self

    def _pods_changed(self) -> None:
        feed = self._feed
        if feed is None or self._stopped.is_set():
            return
        changes = feed.drain()
        initial = changes.resynced and not self._synced
        if changes.resynced:
            self._synced = True
        for pod in changes.upserts.values():
            for target in self.targets(pod):
                key = (target.namespace, target.pod, target.container)
                current = self.tails.get(key)
                if current is not None and not current.finished.is_set():
                    continue
                # New, or back under the same name (a StatefulSet pod): a new pod's lines are all new.
                first_tail = self.query.effective_tail() if initial else None
                tail = ContainerTail(self.kube, target.namespace, target.pod, target.container, target.version,
                                     emit=self._emit, tail=first_tail if initial else None,
                                     since_seconds=self.query.since_seconds if initial else None,
                                     restarts=target.restarts, on_event=self._event)
                self.tails[key] = tail.start()
                if not initial:
                    self._event(f"following new container {target.pod}/{target.container}")

    def stop(self) -> None:
        self._stopped.set()
        if self._feed is not None:
            self._feed.stop()
        for tail in self.tails.values():
            tail.stop()
        with self._lock:
            self._lock.notify_all()

    def close(self) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        return {"streams": sum(1 for t in self.tails.values() if not t.finished.is_set()),
                "containers": len(self.tails), "reconnects": sum(t.reconnects for t in self.tails.values()),
                "delivered": {f"{k[0]}/{k[1]}/{k[2]}": t.delivered for k, t in self.tails.items()},
                "dropped": self.dropped}

    # -- no-follow mode ----------------------------------------------------------------
    def list_pods(self) -> list[dict]:
        self.resolve()
        query = {"labelSelector": self._selector, "fieldSelector": self._field_selector}
        return self.kube.get(self._namespace_path(), **{k: v for k, v in query.items() if v}).get("items", [])

    def _read_bytes(self, target: Target, timestamps: bool) -> bytes:
        """One container's log as it is now (the query's tail and since window), in one request."""
        params: dict[str, Any] = {"container": target.container, "timestamps": timestamps}
        tail = self.query.effective_tail()
        if tail is not None:
            params["tailLines"] = tail
        if self.query.since_seconds is not None:
            params["sinceSeconds"] = self.query.since_seconds
        path = path_for("", "v1", "pods", target.namespace, target.pod, "log")
        response = self.kube.open_stream(path, query=params, timeout=(5.0, 120.0), accept="*/*")
        try:
            return response.read()
        finally:
            response.release_conn()

    def _read_all(self, target: Target, timestamps: bool) -> list[LogLine]:
        raw_lines = self._read_bytes(target, timestamps).split(b"\n")
        if raw_lines and raw_lines[-1] == b"":
            raw_lines.pop()
        ns, pod, container, version = target.namespace, target.pod, target.container, target.version
        if timestamps:
            return [LogLine(ns, pod, container, version, *split_stamped(raw), i + 1) for i, raw in enumerate(raw_lines)]
        return [LogLine(ns, pod, container, version, 0, raw.decode("utf-8", "replace"), i + 1)
                for i, raw in enumerate(raw_lines)]

    def _read_text(self, target: Target) -> str:
        return self._read_bytes(target, False).decode("utf-8", "replace")

    def fetch_text(self, workers: int = 32) -> Iterator[tuple[Target, str | None, str | None]]:
        """The no-follow fast path: each container's whole log as one decoded text.

        Yields (target, text, error). Only for queries without line filters; the
        caller formats lines itself (no per-line objects), which is what keeps
        `meshtui logs --no-follow` on par with kubectl for large logs.
        """
        targets = [t for pod in self.list_pods() for t in self.targets(pod)]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) or 1))) as pool:
            futures = {pool.submit(self._read_text, t): t for t in targets}
            for future in as_completed(futures):
                target = futures[future]
                try:
                    yield target, future.result(), None
                except MeshtuiError as exc:
                    yield target, None, exc.message

    def fetch(self, *, timestamps: bool = True, workers: int = 32) -> Iterator[LogBatch]:
        """Read every matching container once, in parallel; one batch per container as it completes."""
        targets = [t for pod in self.list_pods() for t in self.targets(pod)]
        if not targets:
            return
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets)))) as pool:
            futures = {pool.submit(self._read_all, t, timestamps): t for t in targets}
            for future in as_completed(futures):
                target = futures[future]
                try:
                    lines = future.result()
                except MeshtuiError as exc:
                    yield LogBatch([], events=[f"{target.pod}/{target.container}: {exc.message}"])
                    continue
                if self.line_filter.active:
                    lines = [line for line in lines if self.line_filter.matches(line)]
                yield LogBatch(lines, streams=len(targets))


def pivot_query(request_id: str, namespace: str | None, all_namespaces: bool = True) -> LogQuery:
    """Every container (sidecars and gateways included) for lines carrying `request_id`."""
    return LogQuery(namespace=namespace, all_namespaces=all_namespaces, sidecars=True, include=re.escape(request_id),
                    since_seconds=3600, follow=False)


def collect_pivot(kube: KubeClient, request_id: str, namespace: str | None) -> list[LogLine]:
    """All lines of one request across the mesh, in time order."""
    engine = LogEngine(kube, pivot_query(request_id, namespace))
    lines = [line for batch in engine.fetch() for line in batch.lines]
    lines.sort(key=lambda line: (line.ts, line.pod, line.container))
    return lines

