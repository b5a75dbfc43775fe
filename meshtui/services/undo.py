"""The undo history of route changes, per cluster and host, kept across sessions.

One JSON file under the state directory, with a schema version, validated on every read
(pydantic). A file that cannot be read (truncated, garbage, an older format, a wrong
version) is never silently reset: it is moved aside to `undo.json.unreadable-<time>` and
the caller gets a notice naming both paths. Writers hold an flock on `undo.json.lock`
and replace the file atomically, so two meshtui processes cannot interleave.

Entries are keyed by the cluster's identity (see `services.routes.identity`), never by
context name, and record for each object both the spec before meshtui's write and the
spec (plus uid and resourceVersion) meshtui wrote: undo restores the first only while the
object still holds the second, so a change someone made afterwards is never discarded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meshtui.config import paths

SCHEMA = 2
LIMIT = 50


class ObjectChange(BaseModel):
    """One object before and after one meshtui write."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["VirtualService", "DestinationRule"]
    name: str
    existed: bool
    before: dict | None
    after: dict | None
    uid: str | None = None
    resource_version: str | None = None


class UndoEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: float
    action: str = ""
    objects: list[ObjectChange]


class ClusterHistory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = ""
    hosts: dict[str, list[UndoEntry]] = Field(default_factory=dict)


class UndoFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[2] = 2
    clusters: dict[str, ClusterHistory] = Field(default_factory=dict)


class UndoStore:
    """The history file; `cluster` is the identity key every entry is filed under."""

    def __init__(self, cluster: str = "", label: str = "", path: Path | None = None) -> None:
        self.cluster = cluster
        self.label = label
        self.path = path or paths.state_dir() / "undo.json"
        self.notices: list[str] = []

    def for_cluster(self, cluster: str, label: str) -> UndoStore:
        store = UndoStore(cluster, label, self.path)
        store.notices = self.notices
        return store

    def take_notices(self) -> list[str]:
        notices, self.notices[:] = list(self.notices), []
        return notices

    # -- file --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> UndoFile:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return UndoFile()
        except OSError as exc:
            return self._unreadable(f"cannot be read ({exc.strerror})")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            return self._unreadable(f"is not JSON ({exc})")
        if isinstance(data, dict) and data.get("schema_version") != SCHEMA:
            found = data.get("schema_version")
            return self._unreadable("is from an older meshtui (keyed by context name, which two clusters can share)"
                                    if found is None else f"has schema version {found!r}, this meshtui reads {SCHEMA}")
        try:
            return UndoFile.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return self._unreadable(f"is malformed ({where}: {first.get('msg')})")

    def _unreadable(self, why: str) -> UndoFile:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        try:
            self.path.replace(aside)
            moved = f"moved it to {aside}"
        except OSError as exc:
            moved = f"could not move it aside ({exc.strerror}); it is left in place"
        self.notices.append(f"the undo history {self.path} {why}: meshtui {moved} and starts a new history "
                            "(routes you changed earlier cannot be undone from it)")
        return UndoFile()

    def _write(self, data: UndoFile) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data.model_dump(), indent=1, sort_keys=True))
        tmp.replace(self.path)

    def _stack(self, data: UndoFile, namespace: str, host: str) -> list[UndoEntry]:
        history = data.clusters.setdefault(self.cluster, ClusterHistory(label=self.label))
        if self.label:
            history.label = self.label
        return history.hosts.setdefault(f"{namespace}/{host}", [])

    # -- operations --------------------------------------------------------------------
    def push(self, namespace: str, host: str, entry: UndoEntry) -> None:
        with self._locked():
            data = self._read()
            stack = self._stack(data, namespace, host)
            stack.append(entry)
            del stack[:-LIMIT]
            self._write(data)

    def peek(self, namespace: str, host: str) -> UndoEntry | None:
        with self._locked():
            stack = self._stack(self._read(), namespace, host)
        return stack[-1] if stack else None

    def pop(self, namespace: str, host: str, expected: UndoEntry) -> None:
        """Remove the newest entry if it is still `expected` (another process may have pushed)."""
        with self._locked():
            data = self._read()
            stack = self._stack(data, namespace, host)
            if stack and stack[-1] == expected:
                stack.pop()
                self._write(data)

    def depth(self, namespace: str, host: str) -> int:
        with self._locked():
            return len(self._stack(self._read(), namespace, host))

    def clear(self, namespace: str, host: str) -> None:
        with self._locked():
            data = self._read()
            history = data.clusters.get(self.cluster)
            if history is not None and history.hosts.pop(f"{namespace}/{host}", None) is not None:
                self._write(data)
