"""A live, self-healing view of one resource collection: list, then watch, forever.

The feed lists (remembering the list's resourceVersion), watches from there, and on a
dropped stream resumes the watch from the last version it saw; on 410 Gone it relists
and reconciles; on errors it backs off exponentially and says so in `state`. Consumers
never see a half-applied change: they `drain()` the keys that changed since last time
(or a full resync), so a UI can update rows by key at its own pace, however fast
events arrive. Runs in its own thread (the official client is blocking).

The first list asks the server's watch cache (`resourceVersion=0`, one response, as
client-go's informers do); a relist after the watch's history expired reads the newest
state in pages (`limit`/`continue`, as kubectl does); see `services.listing`. A stop ends
the feed at once, also while its watch waits for an answer that never comes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar, cast

from meshtui.adapters import imports
from meshtui.adapters.kube import KubeApiError, KubeClient, WatchStream, shutdown_connection
from meshtui.domain.errors import MeshtuiError
from meshtui.services.listing import LISTINGS

T = TypeVar("T")
PAGE = 500


class FeedState(str, Enum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass
class FeedChanges(Generic[T]):
    """What changed since the previous drain."""

    resynced: bool = False
    upserts: dict[str, T] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    state: FeedState = FeedState.CONNECTING
    error: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.resynced or self.upserts or self.deletes)


class _Expired(Exception):
    pass


def _raw(obj: dict) -> dict:
    return obj


def object_key(obj: dict) -> str:
    meta = obj.get("metadata", {})
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}" if meta.get("namespace") else meta.get("name", "")


class ResourceFeed(Generic[T]):
    """List-then-watch of one collection path, with reconnects and 410 relists."""

    def __init__(self, kube: KubeClient, path: str, *, name: str = "", label_selector: str | None = None,
                 field_selector: str | None = None, transform: Callable[[dict], T] | None = None,
                 on_change: Callable[[], None] | None = None, watch_timeout: int = 290, page: int = PAGE) -> None:
        self.kube = kube
        self.path = path
        self.name = name or path
        self.selectors = {"labelSelector": label_selector, "fieldSelector": field_selector}
        self.transform: Callable[[dict], T] = transform or cast(Callable[[dict], T], _raw)
        self.page = page
        self.on_change = on_change or (lambda: None)
        self.watch_timeout = watch_timeout
        self.state = FeedState.CONNECTING
        self.error: str | None = None
        self.resource_version: str | None = None
        self.relists = 0
        self.reconnects = 0
        self.last_retry_delay: float | None = None
        """The wait before the latest reconnect (s): short again after any watch the server answered."""
        self._answered = False
        self._items: dict[str, T] = {}
        self._changes: FeedChanges[T] = FeedChanges()
        self._lock = threading.Lock()
        self._pending = False
        self._stop = threading.Event()
        self._stream: WatchStream | None = None
        self._waiting: object | None = None
        """The connection of a watch sent but not answered yet (a stop shuts it: see `_announced`)."""
        self._open_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- consumer side -----------------------------------------------------------------
    def start(self) -> ResourceFeed[T]:
        self._thread = threading.Thread(target=self._run, name=f"feed:{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._open_lock:
            self._stop.set()
            self.state = FeedState.STOPPED  # first: nothing below may leave it unsaid
            stream, waiting = self._stream, self._waiting
        if stream is not None:
            stream.stop()
        if waiting is not None:
            shutdown_connection(waiting)  # a watch whose answer never comes: its open ends now

    def _announced(self, connection: object) -> None:
        """The watch's request is sent (on this feed's thread): until it is answered, a stop cuts it."""
        with self._open_lock:
            self._waiting = connection
            stopped = self._stop.is_set()
        if stopped:
            shutdown_connection(connection)

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def drain(self) -> FeedChanges[T]:
        """Take the accumulated changes (thread-safe); the next change notifies again."""
        with self._lock:
            changes = self._changes
            changes.state, changes.error = self.state, self.error
            self._changes = FeedChanges(state=self.state, error=self.error)
            self._pending = False
        return changes

    def snapshot(self) -> dict[str, T]:
        with self._lock:
            return dict(self._items)

    def wait_synced(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state is FeedState.LIVE:
                return True
            time.sleep(0.02)
        return False

    # -- producer side -----------------------------------------------------------------
    def _notify(self) -> None:
        if not self._pending:
            self._pending = True
            self.on_change()

    def _set_state(self, state: FeedState, error: str | None = None) -> None:
        if state is not self.state or error != self.error:
            with self._lock:
                self.state, self.error = state, error
                self._changes.state, self._changes.error = state, error
            self._notify()

    def _safe_transform(self, obj: dict) -> T | None:
        """An object the transform cannot read is kept raw rather than killing the feed."""
        try:
            return self.transform(obj)
        except Exception as exc:  # malformed objects from a real cluster must not stop the view
            self.error = f"cannot read {object_key(obj)}: {type(exc).__name__}"
            return None

    def _list(self) -> None:
        """Read the whole collection (shared with any feed listing it at the same moment); the watch
        resumes from the list's version. The first list may come from the server's watch cache (see
        `services.listing`); a relist, after the watch's history expired, reads the newest state."""
        objects, version = LISTINGS.get(self.kube, self.path, self.selectors, self.page, self._stop,
                                        cached=self.relists == 0)
        items: dict[str, T] = {}
        with imports.collector_paused():  # what 20,000 pods become survives: no collector pass over it
            for obj in objects:
                value = self._safe_transform(obj)
                if value is not None:
                    items[object_key(obj)] = value
        del objects
        with self._lock:
            self._items = items
            self._changes = FeedChanges(resynced=True, upserts=dict(items), state=self.state, error=self.error)
        self.resource_version = version
        self.relists += 1
        self._notify()

    def _apply(self, event: dict) -> None:
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "ERROR":
            code = obj.get("code")
            if code == 410:
                raise _Expired(obj.get("message", "expired"))
            raise KubeApiError(int(code or 500), obj.get("reason", ""), obj.get("message", "watch error"), obj)
        version = obj.get("metadata", {}).get("resourceVersion")
        if version:
            self.resource_version = version
        if kind == "BOOKMARK":
            return
        key = object_key(obj)
        with self._lock:
            if kind == "DELETED":
                self._items.pop(key, None)
                self._changes.upserts.pop(key, None)
                self._changes.deletes.add(key)
            else:
                value = self._safe_transform(obj)
                if value is None:
                    return
                self._items[key] = value
                self._changes.upserts[key] = value
                self._changes.deletes.discard(key)
        self._notify()

    def _watch(self) -> None:
        try:
            stream = self.kube.watch(self.path, resource_version=self.resource_version,
                                     timeout_seconds=self.watch_timeout, announce=self._announced,
                                     **{k: v for k, v in self.selectors.items() if v})
        finally:
            with self._open_lock:
                self._waiting = None
        self._stream = stream
        try:
            if self._stop.is_set():
                return
            self._answered = True  # the server took the watch: whatever ends it later starts a fresh backoff
            self._set_state(FeedState.LIVE)
            for event in stream:
                if self._stop.is_set():
                    return
                self._apply(event)
        finally:
            self._stream = None

    def _run(self) -> None:
        import http.client

        import urllib3

        backoff = 0.25
        need_list = True
        while not self._stop.is_set():
            self._answered = False
            try:
                if need_list:
                    self._list()
                    need_list = False
                self._watch()
                backoff = 0.25
            except _Expired:
                need_list = True  # history compacted: relist and reconcile
            except (MeshtuiError, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError,
                    AttributeError) as exc:
                if self._stop.is_set():
                    break
                self.reconnects += 1
                message = exc.message if isinstance(exc, MeshtuiError) else f"stream dropped ({type(exc).__name__})"
                self._set_state(FeedState.RECONNECTING, message)
                if self._answered:  # a cut after a working watch is not a failing server: reconnect at once
                    backoff = 0.25
                self.last_retry_delay = backoff * (0.8 + 0.4 * random.random())
                self._stop.wait(self.last_retry_delay)
                backoff = min(backoff * 2, 5.0)
                if isinstance(exc, KubeApiError) and exc.status == 410:
                    need_list = True
                elif self.resource_version is None:
                    need_list = True
        self.state = FeedState.STOPPED
        self.on_change = _nothing  # a stopped feed calls no one: its owner (an engine, a panel) may be frozen


def _nothing() -> None:
    """The change callback of a stopped feed (it lets go of its owner: see `ResourceFeed._run`)."""
