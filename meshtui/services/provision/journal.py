"""The provisioning journal: what `up` finished and what it created, kept across runs.

One JSON file per profile under the user's state directory, with a schema version and
a pydantic model (`JournalFile`) validated on every read. A run that was killed or
failed resumes from it (finished steps are checked, not blindly skipped), and `down`
removes exactly what it lists under `created`. A journal that cannot be read (truncated,
garbage, the wrong shape) is moved aside by `services.state.read_model` and the run
starts from what the machine shows, with `notice` saying so; it is never silently
reset. Writes are atomic and serialised, because steps finish on several threads.

Format 2 adds the Docker identities (ID + creation time) of the registry container and
the cluster's node containers, so `down` never removes a container or cluster that only
shares a name with what meshtui made. A format 1 journal is read as it is; a registry or
cluster it names has no identity, and `down` leaves it (saying how to remove it by hand).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from meshtui.config import paths
from meshtui.services.state import ContainerRecord, StateModel, read_model, write_model

VERSION: Literal[2] = 2


class StepRecord(StateModel):
    status: Literal["done", "failed"]
    finished: float = 0.0
    detail: str = ""


class ProcessRecord(StateModel):
    """A process meshtui started: signalled only while PID, start time and command line all still match."""

    pid: int = Field(gt=1)
    started: float = Field(gt=0)
    """psutil's create_time() of the process."""
    cmdline: list[str] = Field(min_length=1)


class Created(StateModel):
    """What `up` created for the profile, and so what `down` removes."""

    cluster: str | None = None
    context: str | None = None
    nodes: list[ContainerRecord] | None = Field(default=None, max_length=64)
    """The cluster's node containers as created (kind, minikube); None: unknown (format 1)."""
    registry: str | None = None
    registry_container: ContainerRecord | None = None
    """The registry container as created; None: unknown (format 1)."""
    sim: ProcessRecord | None = None

    @model_validator(mode="after")
    def _registry_named(self) -> Created:
        if self.registry_container is not None and self.registry_container.name != self.registry:
            raise ValueError("registry_container names another container than registry")
        return self


class JournalFile(StateModel):
    version: Literal[1, 2] = VERSION
    steps: dict[str, StepRecord] = {}
    created: Created = Field(default_factory=Created)


def journal_path(profile: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in profile)
    return paths.state_dir() / "up" / f"{safe}.json"


class Journal:
    """Step outcomes and created resources for one profile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        # notice: set when an unreadable journal was moved aside (the caller shows it to the user)
        data, self.notice = read_model(path, JournalFile, VERSION)
        # a format 1 journal is valid as it is (no identities); it is saved as format 2 from now on
        self.data = data.model_copy(update={"version": VERSION}) if data is not None else JournalFile()

    @classmethod
    def for_profile(cls, profile: str) -> Journal:
        return cls(journal_path(profile))

    # -- steps -------------------------------------------------------------------------
    def done(self, step: str) -> bool:
        record = self.data.steps.get(step)
        return record is not None and record.status == "done"

    def finished(self, step: str, detail: str = "") -> None:
        self._update_step(step, StepRecord(status="done", finished=time.time(), detail=detail))

    def failed(self, step: str, error: str) -> None:
        self._update_step(step, StepRecord(status="failed", finished=time.time(), detail=error))

    def invalidate(self, steps: list[str]) -> None:
        """Forget that `steps` finished (their work was built on something that has been redone)."""
        with self._lock:
            changed = [s for s in steps if self.data.steps.pop(s, None) is not None]
            if changed:
                self._save()

    def _update_step(self, step: str, value: StepRecord) -> None:
        with self._lock:
            self.data.steps[step] = value
            self._save()

    # -- created resources -------------------------------------------------------------
    @property
    def created(self) -> Created:
        return self.data.created

    def record(self, **values: str | ProcessRecord | ContainerRecord | list[ContainerRecord] | None) -> None:
        """Set fields of `created` (cluster=..., context=..., nodes=..., registry=..., sim=...)."""
        with self._lock:
            self.data.created = self.data.created.model_copy(update=values)
            self._save()

    def forget(self, *fields: str) -> None:
        self.record(**dict.fromkeys(fields))

    def remove(self) -> None:
        with self._lock:
            self.data = JournalFile()
            self.path.unlink(missing_ok=True)

    def _save(self) -> None:
        Created.model_validate(self.data.created.model_dump())  # never write what the next read would reject
        write_model(self.path, self.data)
