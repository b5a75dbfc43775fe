"""How one log line looks in the Logs view: compact JSON/Envoy summaries, pod colours, marks.

Built per visible line only (the view caches the strips for a frame). Pod colours come
from the theme and are cached per pod; `clear()` forgets them when the theme changes.
Marker lines (stream events) are drawn whole in one theme colour: a restart in `$accent`,
lines lost or dropped in `$warning`.
Text reaching here is already inert (the view passes it through `inert`).
"""

from __future__ import annotations

import hashlib

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.theme import Theme

from meshtui.domain.logs import LogLine
from meshtui.domain.user_regex import Searcher

PALETTE_KEYS = ["primary", "secondary", "accent", "success", "warning"]
SUMMARY_FIELDS = ("status", "method", "path", "duration", "duration_ms", "upstream_cluster", "request_id", "service",
                  "version")


def compact(line: LogLine) -> str:
    """level / message / selected fields, for JSON and Envoy lines."""
    fields = line.fields
    if not fields:
        return line.raw
    level = str(line.level or "").upper()[:5].ljust(5)
    message = str(fields.get("msg") or fields.get("message") or "")
    extras = " ".join(f"{k}={fields[k]}" for k in SUMMARY_FIELDS if k in fields and str(fields[k]) not in ("", "-")
                      and k not in ("msg",))
    return f"{level} {message}  {extras}".rstrip()


class LineLook:
    """Styles for lines: a colour per pod from the theme, the cursor row, search and highlight marks."""

    def __init__(self) -> None:
        self._pods: dict[str, Style] = {}

    def clear(self) -> None:
        self._pods.clear()

    def pod(self, theme: Theme, pod: str) -> Style:
        style = self._pods.get(pod)
        if style is None:
            key = PALETTE_KEYS[int(hashlib.md5(pod.encode()).hexdigest(), 16) % len(PALETTE_KEYS)]
            style = Style(color=str(getattr(theme, key) or theme.primary), bold=True)
            self._pods[pod] = style
        return style

    @staticmethod
    def marks(text: str, patterns: tuple[Searcher | None, ...]) -> list[tuple[int, int]]:
        spans = []
        for pattern in patterns:
            if pattern is not None:
                spans += [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        return sorted(spans)

    def strip(self, line: LogLine, prefix: str, text: str, theme: Theme, cursor: bool,
              patterns: tuple[Searcher | None, ...]) -> Strip:
        base = Style(bgcolor=str(theme.panel)) if cursor else Style()
        pod_end = prefix.rfind(" ", 0, len(prefix) - 1) + 1  # the prefix ends "POD CONTAINER "
        segments = [Segment(prefix[:pod_end], base + self.pod(theme, line.pod)),
                    Segment(prefix[pod_end:], base + Style(dim=True))]
        if line.marker is not None:  # a stream event: a restart in the accent colour, a loss in the warning one
            colour = (theme.accent or theme.primary) if line.marker == "restarted" else (theme.warning or theme.primary)
            segments.append(Segment(text, base + Style(color=str(colour), bold=True)))
            return Strip(segments)
        mark = Style(bgcolor=str(theme.warning), color=str(theme.background), bold=True)
        at = 0
        for start, end in self.marks(text, patterns):
            if start < at:
                continue
            segments.append(Segment(text[at:start], base))
            segments.append(Segment(text[start:end], base + mark))
            at = end
        segments.append(Segment(text[at:], base))
        return Strip(segments)
