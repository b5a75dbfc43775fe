"""Find the external tools and read their versions.

`.venv/bin` (where install.sh puts pinned downloads) is searched before PATH, so a
tool fetched by the installer wins over an older system copy.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from meshtui.adapters import process
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.versions import PARSERS, TOOLS, Version


@dataclass(frozen=True)
class ToolInfo:
    """A tool as found on this machine."""

    name: str
    path: str | None
    version: Version | None
    error: str | None = None


def tool_dirs() -> list[str]:
    """Directories searched before PATH: the interpreter's own bin (the venv)."""
    return [os.path.dirname(sys.executable)]


def find(name: str) -> str | None:
    """Path of a tool, or None."""
    return process.which(name, tool_dirs())


def inspect(name: str, timeout: float = 10.0) -> ToolInfo:
    """Locate `name` and run its version command."""
    spec = TOOLS[name]
    path = find(name)
    if path is None:
        return ToolInfo(name, None, None)
    try:
        result = process.run([path, *spec.argv], timeout=timeout)
    except MeshtuiError as exc:
        return ToolInfo(name, path, None, str(exc))
    text = result.stdout + "\n" + result.stderr
    version = PARSERS[name](result.stdout) or PARSERS[name](text)
    error = None if result.ok else (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1]
    return ToolInfo(name, path, version, error if version is None else None)
