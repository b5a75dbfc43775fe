"""The only module that writes to stdout; diagnostics go to stderr.

Every line passes through the secret `Masker`. Colour is used only on a TTY and
never when `NO_COLOR` is set. `--json` switches every command to machine output:
one JSON document (or one object per line for streams such as logs) on stdout, and
every error as one JSON document on stderr:
`{"error": {"message": ..., "hint": ..., "exit_code": N}}` (stdout then carries data only).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from meshtui.domain.secrets import Masker
from meshtui.domain.text import json_text

_STYLES = {
    "bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
    "cyan": "36", "grey": "90",
}
STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "ok": "green", "error": "red"}


def color_enabled(stream: TextIO) -> bool:
    """Colour only for a terminal, and never under NO_COLOR (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def json_error(message: str, hint: str | None, exit_code: int) -> str:
    """The one shape of an error under `--json` (written to stderr)."""
    return json_text({"error": {"message": message, "hint": hint, "exit_code": exit_code}})


class Output:
    """Writes lines, tables and JSON for one command invocation."""

    def __init__(self, json_mode: bool = False, masker: Masker | None = None,
                 stream: TextIO | None = None, err: TextIO | None = None) -> None:
        self.json_mode = json_mode
        self.masker = masker or Masker()
        self.stream = stream or sys.stdout
        self.err = err or sys.stderr
        self.color = color_enabled(self.stream)

    def style(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_STYLES[s] for s in styles if s in _STYLES)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    def line(self, text: str = "") -> None:
        self.stream.write(self.masker.mask(text) + "\n")

    def write_raw_lines(self, lines: Iterable[str]) -> None:
        """Many already-formatted lines at once (log output); masked, one write."""
        mask = self.masker.mask
        self.stream.write("".join(mask(text) + "\n" for text in lines))

    def flush(self) -> None:
        self.stream.flush()

    def json(self, data: Any) -> None:
        """One pretty JSON document."""
        self.stream.write(self.masker.mask(json_text(data, indent=2)) + "\n")

    def jsonl(self, data: Any) -> None:
        """One compact JSON object per line (streams)."""
        self.stream.write(self.masker.mask(json_text(data)) + "\n")

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], styles: Sequence[str | None] = ()) -> None:
        """Left-aligned columns sized to their content, as kubectl prints."""
        text_rows = [[self.masker.mask(str(cell)) for cell in row] for row in rows]
        widths = [len(h) for h in headers]
        for row in text_rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], len(cell))
        self.stream.write("   ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
        for row in text_rows:
            cells = []
            for i, cell in enumerate(row):
                padded = cell.ljust(widths[i])
                style = styles[i] if i < len(styles) else None
                if style == "status":
                    padded = self.style(padded, STATUS_STYLE.get(cell.strip().lower(), ""))
                cells.append(padded)
            self.stream.write("   ".join(cells).rstrip() + "\n")

    def error(self, message: str, hint: str | None = None, exit_code: int = 1) -> None:
        if self.json_mode:
            self.err.write(json_error(self.masker.mask(message), self.masker.mask(hint) if hint else None,
                                      exit_code) + "\n")
            self.err.flush()
            return
        prefix = "\x1b[31;1merror:\x1b[0m" if color_enabled(self.err) else "error:"
        from meshtui.domain.text import inert

        self.err.write(f"meshtui: {prefix} {inert(self.masker.mask(message))}\n")
        if hint:
            self.err.write(f"  hint: {inert(self.masker.mask(hint))}\n")
        self.err.flush()

    def note(self, message: str) -> None:
        """A diagnostic on stderr (progress, warnings) that never pollutes stdout."""
        self.err.write(self.masker.mask(message) + "\n")
        self.err.flush()


class Diagnostics:
    """stderr whose reader may be gone: a write to a closed pipe is dropped, never an exception.

    `meshtui ... 2>&1 >/dev/null | head -1` closes stderr early; a refusal (exit 3) or a bad
    profile (exit 2) must still end with its own exit code, not with 1 from a BrokenPipeError
    raised while telling the user, or 0 from mistaking it for stdout closed by `head`."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.gone = stream is None  # started with fd 2 closed (`2>&-`): Python gives no stderr at all

    def write(self, text: str) -> int:
        if not self.gone and self.stream is not None:
            try:
                self.stream.write(text)
            except (OSError, ValueError):  # a closed pipe, a full disk (`2>/dev/full`), a closed stream
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone and self.stream is not None:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self.gone = True

    def isatty(self) -> bool:
        return self.stream is not None and not self.gone and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:  # fileno, encoding, ... of the real stream
        return getattr(self.stream, name)

