"""The undo stack of route changes, per context and host, kept across sessions.

Each entry is the VirtualService and DestinationRule specs exactly as they were before
one change (and whether the objects existed), so undo restores the previous spec
byte for byte. Stored as JSON under the state directory; the newest 50 per host.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

from meshtui.config import paths

LIMIT = 50


class UndoStore:
    def __init__(self, context: str, path: Path | None = None) -> None:
        self.context = context
        self.path = path or paths.state_dir() / "undo.json"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(self.path)

    def _stack(self, data: dict[str, Any], namespace: str, host: str) -> list[dict]:
        return data.setdefault(self.context, {}).setdefault(f"{namespace}/{host}", [])

    def push(self, namespace: str, host: str, vs: dict | None, dr: dict | None, *, vs_existed: bool,
             dr_existed: bool) -> None:
        data = self._load()
        stack = self._stack(data, namespace, host)
        stack.append({"at": time.time(), "vs": copy.deepcopy(vs), "dr": copy.deepcopy(dr), "vs_existed": vs_existed,
                      "dr_existed": dr_existed})
        del stack[:-LIMIT]
        self._save(data)

    def peek(self, namespace: str, host: str) -> dict | None:
        stack = self._stack(self._load(), namespace, host)
        return stack[-1] if stack else None

    def pop(self, namespace: str, host: str) -> dict | None:
        data = self._load()
        stack = self._stack(data, namespace, host)
        entry = stack.pop() if stack else None
        self._save(data)
        return entry

    def depth(self, namespace: str, host: str) -> int:
        return len(self._stack(self._load(), namespace, host))

    def clear(self, namespace: str, host: str) -> None:
        data = self._load()
        data.setdefault(self.context, {}).pop(f"{namespace}/{host}", None)
        self._save(data)
