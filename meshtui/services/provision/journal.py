"""The provisioning journal: what `up` finished and what it created, kept across runs.

One JSON file per profile under the user's state directory. A run that was killed
or failed resumes from it (finished steps are checked, not repeated), and `down`
removes exactly what it lists under `created`. Writes are atomic (temp file + rename)
and serialised, because steps finish on several threads.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from meshtui.config import paths


def journal_path(profile: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in profile)
    return paths.state_dir() / "up" / f"{safe}.json"


class Journal:
    """Step outcomes and created resources for one profile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.data: dict[str, Any] = {"steps": {}, "created": {}}
        try:
            loaded = json.loads(path.read_text())
            if isinstance(loaded, dict):
                self.data = {"steps": dict(loaded.get("steps") or {}), "created": dict(loaded.get("created") or {})}
        except (OSError, ValueError):
            pass

    @classmethod
    def for_profile(cls, profile: str) -> Journal:
        return cls(journal_path(profile))

    # -- steps -------------------------------------------------------------------------
    def done(self, step: str) -> bool:
        return self.data["steps"].get(step, {}).get("status") == "done"

    def finished(self, step: str, detail: str = "") -> None:
        self._update_step(step, {"status": "done", "finished": time.time(), "detail": detail})

    def failed(self, step: str, error: str) -> None:
        self._update_step(step, {"status": "failed", "finished": time.time(), "detail": error})

    def _update_step(self, step: str, value: dict[str, Any]) -> None:
        with self._lock:
            self.data["steps"][step] = value
            self._save()

    # -- created resources -------------------------------------------------------------
    @property
    def created(self) -> dict[str, Any]:
        return self.data["created"]

    def record(self, key: str, value: Any) -> None:
        with self._lock:
            self.data["created"][key] = value
            self._save()

    def forget(self, key: str) -> None:
        with self._lock:
            self.data["created"].pop(key, None)
            self._save()

    def remove(self) -> None:
        with self._lock:
            self.data = {"steps": {}, "created": {}}
            self.path.unlink(missing_ok=True)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(self.data, indent=2, sort_keys=True))
        os.replace(tmp, self.path)
