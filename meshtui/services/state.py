"""meshtui's own files under the state directory: versioned, validated on read, never silently reset.

Every state file is one JSON document with a `version` and a pydantic model. A file
that is not valid JSON or not valid for its model (truncated by a crash, edited by
hand, garbage) is renamed to `<name>.corrupt-<time>` and the caller gets a notice
saying so, to show the user; the data it held is never quietly replaced. A file from
a newer meshtui (higher version) is left alone and refused. Writes are atomic.

This module also keeps the record of the clusters meshtui created, by context name
AND cluster identity (server URL + CA fingerprint), which the safety guard trusts, and
the Docker identity (ID + creation time) of their node containers, which `down` checks
before it deletes a cluster: a name can be reused by someone else, an ID cannot.
Format 1 records carry no node identities; they are read as they are (nothing to
migrate), and `down` never deletes a cluster it cannot identify.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meshtui.config import paths
from meshtui.domain.cluster import ClusterIdentity, CreatedCluster
from meshtui.domain.errors import MeshtuiError, UsageError

MAX_STATE_BYTES = 16 * 1024 * 1024
Model = TypeVar("Model", bound=BaseModel)
_WRITE_LOCK = threading.Lock()


class StateModel(BaseModel):
    """Base of every state file: strict keys, a schema version."""

    model_config = ConfigDict(extra="forbid")


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "top level"
    return f"{where}: {first['msg']}"


def move_aside(path: Path, problem: str) -> str:
    """Rename a bad state file out of the way; the notice says where it went and why."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    try:
        os.replace(path, target)
    except FileNotFoundError:
        return f"{path} was unreadable ({problem}) and has gone meanwhile"
    except OSError as exc:
        raise UsageError(f"{path} is unreadable ({problem}) and cannot be moved aside: {exc.strerror}",
                         hint=f"move or delete {path} yourself") from None
    return f"{path} was unreadable ({problem}); moved it to {target}"


def read_model(path: Path, model: type[Model], version: int) -> tuple[Model | None, str | None]:
    """(the validated file or None when absent or moved aside, a notice for the user or None)."""
    try:
        size = path.stat().st_size
        if size > MAX_STATE_BYTES:
            return None, move_aside(path, f"{size} bytes, more than meshtui ever writes")
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # also bad UTF-8 and out-of-range numbers
        return None, move_aside(path, f"not JSON: {str(exc)[:80]}" if raw.strip() else "empty")
    found = data.get("version") if isinstance(data, dict) else None
    if isinstance(found, int) and not isinstance(found, bool) and found > version:
        raise UsageError(f"{path} was written by a newer meshtui (format {found}, this one reads {version})",
                         hint="upgrade meshtui, or move the file away to start afresh")
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, move_aside(path, _first_problem(exc))
    except RecursionError:
        return None, move_aside(path, "nested too deeply")


def write_model(path: Path, value: BaseModel) -> None:
    """Atomically replace `path` with `value` as JSON (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(value.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class ContainerRecord(StateModel):
    """A Docker container meshtui created: removed only while this ID and creation time still answer to `name`."""

    name: str = Field(min_length=1, max_length=255)
    id: str = Field(pattern=r"^[0-9a-f]{64}$")
    created: str = Field(min_length=1, max_length=64)


# -- clusters meshtui created ---------------------------------------------------------------
CREATED_VERSION: Literal[2] = 2
"""2: `nodes` added (format 1 files are read as they are: their clusters have no node identities)."""


class CreatedRecord(StateModel):
    context: str = Field(min_length=1)
    server: str = Field(min_length=1)
    ca_sha256: str = ""
    profile: str = ""
    created: float = 0.0
    nodes: list[ContainerRecord] | None = Field(default=None, max_length=64)
    """The cluster's node containers at creation; None: not known (format 1, or no container driver)."""


class CreatedFile(StateModel):
    version: Literal[1, 2] = CREATED_VERSION
    clusters: list[CreatedRecord] = []


def _created_file() -> Path:
    return paths.state_dir() / "created-contexts.json"


def created_clusters() -> tuple[tuple[CreatedCluster, ...], str | None]:
    """The clusters meshtui created (context + identity), and a notice when the record was unreadable."""
    data, notice = read_model(_created_file(), CreatedFile, CREATED_VERSION)
    records = data.clusters if data else []
    return tuple(CreatedCluster(r.context, ClusterIdentity(r.server, r.ca_sha256)) for r in records), notice


class Busy(MeshtuiError):
    """Another meshtui process holds the run lock (exit 1): two `up` runs must never share a state directory."""


@contextmanager
def run_lock(path: Path, what: str) -> Iterator[None]:
    """Hold `path` exclusively for a whole run, or raise `Busy` at once naming the holder's pid.

    An flock dies with its process, so a crashed run never leaves a stale lock. Children do not
    inherit it (subprocess closes other file descriptors), so a background simulator started by
    `up` does not keep holding it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(200).strip() or "run (pid unknown)"
            raise Busy(f"another {holder} is running for this profile; meshtui runs one at a time",
                       hint="wait for it to finish (or stop it), then run this again") from None
        except OSError as exc:
            raise UsageError(f"cannot lock {path}: {exc.strerror}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"`{what}` (pid {os.getpid()})")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of `path` across threads and processes (an flock on a sidecar file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _WRITE_LOCK, open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _update(change: Callable[[list[CreatedRecord]], list[CreatedRecord]]) -> str | None:
    with locked(_created_file()):
        data, notice = read_model(_created_file(), CreatedFile, CREATED_VERSION)
        records = change(list(data.clusters if data else []))
        write_model(_created_file(), CreatedFile(clusters=records))
        return notice


def record_created(context: str, identity: ClusterIdentity, profile: str = "",
                   nodes: list[ContainerRecord] | None = None) -> str | None:
    """Remember that meshtui created `context`, reaching the cluster `identity` (replaces an older record)."""
    record = CreatedRecord(context=context, server=identity.server, ca_sha256=identity.ca_sha256, profile=profile,
                           created=time.time(), nodes=nodes)

    def change(records: list[CreatedRecord]) -> list[CreatedRecord]:
        return [r for r in records if r.context != context] + [record]

    return _update(change)


def forget_created(context: str) -> str | None:
    def change(records: list[CreatedRecord]) -> list[CreatedRecord]:
        return [r for r in records if r.context != context]

    return _update(change)


def created_for_profile(profile: str) -> list[str]:
    """Contexts meshtui created for `profile` (what `down` may still remove without a journal)."""
    return [r.context for r in _records() if r.profile == profile]


def created_record(profile: str, context: str) -> CreatedRecord | None:
    """meshtui's record of creating `context` for `profile` (its node containers, when known)."""
    return next((r for r in _records() if r.profile == profile and r.context == context), None)


def _records() -> list[CreatedRecord]:
    data, _notice = read_model(_created_file(), CreatedFile, CREATED_VERSION)
    return list(data.clusters) if data else []
