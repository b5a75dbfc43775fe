"""The undo history of route changes, per cluster and host, kept across sessions.

One JSON file under the state directory, with a schema version, validated on every read
(pydantic). A file that cannot be read (truncated, garbage, an older format, bigger or
nested deeper than meshtui ever writes) is never silently reset: it is moved aside to
`undo.json.unreadable-<time>` and the caller gets a notice naming both paths. A file from
a newer meshtui (a higher schema version) is left alone and refused (`HistoryFromNewer`,
exit 2): this meshtui neither reads nor replaces it, so no write is made that it could
not record. Writers hold an flock on `undo.json.lock`
and replace the file atomically, so two meshtui processes cannot interleave.

A state directory that cannot be written (a file in its place, a lock that is a directory,
no permission) is a `HistoryUnavailable` error naming the path; writers check it before
they change the cluster, so a change is never made that cannot be undone.

Entries are keyed by the cluster's identity (see `services.routes.identity`), never by
context name, and record for each object both the spec before meshtui's write and the
spec (plus uid and resourceVersion) meshtui wrote: undo restores the first only while the
object still holds the second, so a change someone made afterwards is never discarded.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meshtui.config import paths
from meshtui.domain.errors import EXIT_USAGE, MeshtuiError
from meshtui.services.state_files import MAX_DEPTH, too_deep

SCHEMA = 2
LIMIT = 50
"""Entries kept per host (the oldest are dropped)."""
MAX_BYTES = 16 * 1024 * 1024
"""50 entries of two specs each stay far below this; a bigger file is not meshtui's."""


class HistoryUnavailable(MeshtuiError):
    """The undo history cannot be read or written (exit 1): the path and the reason are in the message."""


class HistoryFromNewer(HistoryUnavailable):
    """The history was written by a newer meshtui (exit 2): left in place, nothing is read or written."""

    exit_code = EXIT_USAGE


class ObjectChange(BaseModel):
    """One object before and after one meshtui write (`after` None: meshtui deleted it)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["VirtualService", "DestinationRule"]
    name: str
    existed: bool
    before: dict | None
    after: dict | None
    uid: str | None = None
    resource_version: str | None = None
    managed: bool = False
    """The object was created by meshtui (a re-created one gets the label back)."""
    original: str | None = None
    """The original-spec annotation the object carried before (reset removes it; undoing the reset puts it back)."""


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


def _old_format(data: dict) -> bool:
    """The schema-less history of meshtui before cluster identities: {context: {"ns/host": [entries]}}."""
    return bool(data) and all(isinstance(hosts, dict) and all("/" in str(key) and isinstance(stack, list)
                                                              for key, stack in hosts.items())
                              for hosts in data.values())


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
    def _unavailable(self, exc: OSError) -> HistoryUnavailable:
        where = exc.filename or self.path
        return HistoryUnavailable(f"the undo history {self.path} cannot be used: {where}: "
                                  f"{exc.strerror or exc}", hint="fix or remove that path (the state directory is "
                                  "$XDG_STATE_HOME/meshtui); nothing was changed")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115 - held across the yield
        except OSError as exc:
            raise self._unavailable(exc) from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def check_writable(self) -> None:
        """Raise HistoryUnavailable unless an entry could be recorded now (called before writing to a cluster)."""
        with self._locked():
            self._read()
            if self.path.is_dir():
                raise self._unavailable(IsADirectoryError(errno.EISDIR, "is a directory", str(self.path)))
            probe = self.path.with_name(self.path.name + ".tmp")
            try:
                probe.write_text("")
                probe.unlink()
            except OSError as exc:
                raise self._unavailable(exc) from None

    def _read(self) -> UndoFile:
        try:
            size = self.path.stat().st_size
            if size > MAX_BYTES:
                return self._unreadable(f"is {size} bytes, more than meshtui ever writes ({MAX_BYTES})")
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return UndoFile()
        except OSError as exc:
            return self._unreadable(f"cannot be read ({exc.strerror})")
        try:
            data = json.loads(raw)
        except RecursionError:
            return self._unreadable(f"is nested deeper than meshtui ever writes ({MAX_DEPTH} levels)")
        except ValueError as exc:
            return self._unreadable(f"is not JSON ({exc})")
        if too_deep(data):
            return self._unreadable(f"is nested deeper than meshtui ever writes ({MAX_DEPTH} levels)")
        if isinstance(data, dict) and data.get("schema_version") != SCHEMA:
            found = data.get("schema_version")
            if isinstance(found, int) and not isinstance(found, bool) and found > SCHEMA:
                raise HistoryFromNewer(f"the undo history {self.path} was written by a newer meshtui (schema "
                                       f"version {found}, this one reads {SCHEMA}); it is left as it is and "
                                       "nothing was changed",
                                       hint="use the newer meshtui, or move the file away to start a new history")
            if found is None:
                return self._unreadable("is from an older meshtui (keyed by context name, which two clusters can "
                                        "share)" if _old_format(data) else "has no schema_version (meshtui did "
                                        "not write it)")
            return self._unreadable(f"has schema version {found!r}, this meshtui reads {SCHEMA}")
        try:
            return UndoFile.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            return self._unreadable(f"is malformed ({where}: {first.get('msg')})")

    def _unreadable(self, why: str) -> UndoFile:
        try:
            moved = f"moved it to {self._move_aside()}"
        except OSError as exc:
            moved = f"could not move it aside ({exc.strerror}); it is left in place"
        self.notices.append(f"the undo history {self.path} {why}: meshtui {moved} and starts a new history "
                            "(routes you changed earlier cannot be undone from it)")
        return UndoFile()

    def _move_aside(self) -> Path:
        """Rename the file to a name no earlier move took (a hard link never replaces an existing name)."""
        stamp = time.strftime("%Y%m%dT%H%M%S") + f".{time.time_ns() % 10**9:09d}"
        for attempt in range(100):
            aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}" + (f"-{attempt}" if attempt else ""))
            try:
                os.link(self.path, aside)
            except FileExistsError:
                continue
            self.path.unlink()
            return aside
        raise FileExistsError(errno.EEXIST, "no free name to move it to", str(self.path))

    def _write(self, data: UndoFile) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(data.model_dump(), indent=1, sort_keys=True))
            tmp.replace(self.path)
        except OSError as exc:
            raise self._unavailable(exc) from None

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

    def entries(self, namespace: str, host: str) -> list[UndoEntry]:
        """The whole history of `host`, oldest first (reset looks back for each object's last write)."""
        with self._locked():
            return list(self._stack(self._read(), namespace, host))

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
