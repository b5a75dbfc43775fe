"""Small persistent facts under the user's state directory.

Today: which kube contexts meshtui itself created (the safety guard treats those as
local whatever their server address).
"""

from __future__ import annotations

import json
from pathlib import Path

from meshtui.config import paths


def _contexts_file() -> Path:
    return paths.state_dir() / "created-contexts.json"


def created_contexts() -> frozenset[str]:
    """Names of contexts meshtui created and has not deleted."""
    try:
        data = json.loads(_contexts_file().read_text())
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(name) for name in data if isinstance(name, str))


def _write(names: set[str]) -> None:
    target = _contexts_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(sorted(names)))
    tmp.replace(target)


def record_created(context: str) -> None:
    _write(set(created_contexts()) | {context})


def forget_created(context: str) -> None:
    _write(set(created_contexts()) - {context})
