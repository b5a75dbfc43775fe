"""What the Logs panel does with one line: expand it, follow its request across the mesh, save.

A mixin for `LogsPanel` (it needs `view`, `session`, `last_pivot`). The pivot and the
save run in thread workers (the event loop only renders); everything shown from a line
is inert first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.logs import LogLine
from meshtui.domain.text import inert, inert_lines
from meshtui.domain.timefmt import format_ns

if TYPE_CHECKING:
    from textual.app import App

    from meshtui.services.logs import LogSession
    from meshtui.ui.widgets.log_view import LogView


class PivotLoaded(Message):
    def __init__(self, request_id: str, lines: list[LogLine], error: str | None = None) -> None:
        super().__init__()
        self.request_id = request_id
        self.lines = lines
        self.error = error


class LineActions:
    """`enter` expands the line under the cursor, `r` pivots on its request id, `s` saves the view."""

    if TYPE_CHECKING:
        app: App[object]
        session: LogSession | None
        last_pivot: str | None

        @property
        def view(self) -> LogView: ...
        def post_message(self, message: Message) -> bool: ...

    def action_expand(self) -> None:
        line = self.view.current()
        if line is None:
            return
        import json

        from meshtui.ui.screens.text_view import TextViewScreen

        fields = line.fields
        body = inert_lines(json.dumps(fields, indent=2, ensure_ascii=False)) if fields else inert(line.raw)
        header = f"{line.namespace}/{line.pod} {line.container} #{line.instance}  {format_ns(line.ts) if line.ts else ''}"
        self.app.push_screen(TextViewScreen(inert(header), f"{inert(line.raw)}\n\n{body}" if fields else body))

    def action_pivot(self) -> None:
        line = self.view.current()
        rid = line.request_id if line else None
        if not rid:
            self.app.notify("the selected line carries no request id (move the cursor with ↑/↓)", severity="warning")
            return
        self.app.notify(f"collecting every line of request {inert(rid)}…", markup=False)
        self._collect_pivot(rid, line.namespace if line else None)

    @work(thread=True, exclusive=True, group="pivot", exit_on_error=False)
    def _collect_pivot(self, rid: str, namespace: str | None) -> None:
        session = self.session
        if session is None:
            return
        try:
            lines = session.pivot(rid, namespace)
        except MeshtuiError as exc:
            self.post_message(PivotLoaded(rid, [], exc.message))
            return
        self.post_message(PivotLoaded(rid, lines))

    def on_pivot_loaded(self, message: PivotLoaded) -> None:
        from meshtui.ui.screens.text_view import TextViewScreen

        if message.error:
            self.app.notify(inert(message.error), severity="error", markup=False)
            return
        self.last_pivot = message.request_id
        rows = [f"{format_ns(x.ts)[11:23]}  {inert(x.namespace)}/{inert(x.pod)}  {inert(x.container)}\n"
                f"    {inert(x.raw)}" for x in message.lines]
        hops = len({(x.pod, x.container) for x in message.lines})
        title = (f"request {inert(message.request_id)}: {len(message.lines)} lines from {hops} containers "
                 "(gateway, sidecars, apps)")
        self.app.push_screen(TextViewScreen(title, "\n".join(rows) or "no lines found in the last hour"))

    def action_save(self) -> None:
        if not self.view.lines:
            self.app.notify("nothing to save", severity="warning")
            return
        target = Path.home() / f"meshtui-logs-{time.strftime('%Y%m%d-%H%M%S')}.log"
        wiring = getattr(self.app, "wiring", None)
        self._save(target, list(self.view.lines), getattr(wiring, "masker", None))

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def _save(self, target: Path, lines: list[LogLine], masker: object) -> None:
        """Full, untruncated lines (secrets masked) to a file, off the event loop."""
        mask = getattr(masker, "mask", None)
        with target.open("w", encoding="utf-8", errors="surrogateescape") as fh:
            for line in lines:
                text = mask(line.raw) if callable(mask) else line.raw
                fh.write(f"{format_ns(line.ts) if line.ts else '-'} {line.namespace}/{line.pod} {line.container} "
                         f"{text}\n")
        markers = sum(1 for line in lines if line.marker is not None)  # restarts, gaps, drops: not log lines
        extra = f" and {markers:,} stream marker{'s' if markers != 1 else ''}" if markers else ""
        self.app.call_from_thread(self.app.notify, f"saved {len(lines) - markers:,} lines{extra} (full, untruncated) "
                                  f"to {target}", markup=False)
