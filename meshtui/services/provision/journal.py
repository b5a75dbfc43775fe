"""The provisioning journal: what `up` finished and what it created, kept across runs.

One JSON file per profile under the user's state directory, with a schema version and
a pydantic model (`JournalFile`) validated on every read. A run that was killed or
failed resumes from it (finished steps are checked, not blindly skipped), and `down`
removes exactly what it lists under `created`. A journal that cannot be read (truncated,
garbage, the wrong shape) is moved aside by `services.state.read_model` and the run
starts from what the machine shows, with `notice` saying so; it is never silently
reset. Writes are atomic and serialised, because steps finish on several threads.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Literal

from pydantic import Field

from meshtui.config import paths
from meshtui.services.state import StateModel, read_model, write_model

VERSION = 1


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
    registry: str | None = None
    sim: ProcessRecord | None = None


class JournalFile(StateModel):
    version: Literal[1] = 1
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
        self.data = data if data is not None else JournalFile()

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

    def record(self, **values: str | ProcessRecord | None) -> None:
        """Set fields of `created` (cluster=..., context=..., registry=..., sim=...)."""
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
