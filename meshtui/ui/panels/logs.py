"""Panel 2, Logs: a query bar over the log engine, a fast view, and the request-id pivot.

The engine (services, no Textual) tails in threads and only signals `LogsArrived`;
the handler drains at most a screenful-friendly batch per turn and yields to the
event loop between batches, so keys stay responsive under a flood.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.timefmt import format_ns
from meshtui.services.log_query import LogQuery, parse_query
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.widgets.log_view import LogView

DRAIN_BATCH = 20_000
HELP = ("query: -n NS | -A  -l SELECTOR  deploy/NAME  pod/NAME  REGEX  -c CONTAINER_RE  --sidecars  --since 5m  "
        "--tail N  -i RE  -e RE  -h RE  level>=warn  status=5xx")


class LogsArrived(Message):
    """The engine buffered lines; coalesced (the handler drains everything)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LogsArrived)


class PivotLoaded(Message):
    def __init__(self, request_id: str, lines: list[Any], error: str | None = None) -> None:
        super().__init__()
        self.request_id = request_id
        self.lines = lines
        self.error = error


class LogsPanel(ReportsFailures, Vertical):
    """Query bar, status line, log view."""

    FAILURE_SOURCE = "Logs"

    BINDINGS = [
        Binding("e", "edit_query", "Query", id="logs.query"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match", "Next", id="logs.next", show=False),
        Binding("N", "previous_match", "Previous", id="logs.previous", show=False),
        Binding("space", "toggle_follow", "Pause", id="logs.pause"),
        Binding("w", "toggle_wrap", "Wrap", id="logs.wrap"),
        Binding("j", "toggle_json", "JSON/raw", id="logs.json"),
        Binding("t", "toggle_timestamps", "Timestamps", id="logs.timestamps", show=False),
        Binding("p", "toggle_sidecars", "Sidecars", id="logs.sidecars"),
        Binding("enter", "expand", "Expand", id="logs.expand"),
        Binding("r", "pivot", "Request", id="logs.pivot"),
        Binding("x", "clear", "Clear", id="logs.clear"),
        Binding("s", "save", "Save", id="logs.save"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: Any = None
        self.engine: Any = None
        self.query_obj: LogQuery | None = None
        self.mode = "query"
        self.dropped = 0
        self.received = 0
        self.streams = 0
        self.last_event = ""
        self.last_pivot: str | None = None
        self._draining = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder=HELP, id="log-query")
        yield Static("", id="log-status")
        yield LogView(max_lines=int(getattr(self.app.settings, "log_buffer_lines", 20000)), id="log-view")

    def focus_target(self) -> Any:
        return self.query_one(LogView)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    # -- session and engine ------------------------------------------------------------
    def attach(self, session: Any) -> None:
        """Remember the session; tailing starts when the panel is first shown (nobody reads hidden logs)."""
        self._stop_engine()
        self.session = session
        self.query_obj = None
        if self.is_mounted and self.display and self.parent is not None and self.parent.display:
            self.open_query("", None)

    def on_show(self) -> None:
        if self.session is not None and self.engine is None and self.query_obj is None:
            self.open_query(self.query_one("#log-query", Input).value, None)

    def detach(self) -> None:
        self._stop_engine()
        self.session = None

    def _stop_engine(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self.engine = None

    def open_query(self, text: str, namespace: str | None) -> None:
        """Start tailing a query (from the bar, or the Overview's `l`)."""
        box = self.query_one("#log-query", Input)
        if namespace and not re.search(r"(^|\s)(-n|-A)\b", text):
            text = f"-n {namespace} {text}".strip()
        box.value = text
        if self.session is None:
            return
        base = LogQuery(namespace=self.session.default_namespace,
                        sidecars=self.query_obj.sidecars if self.query_obj else False)
        try:
            query = parse_query(text, base)
        except MeshtuiError as exc:
            self._status(error=exc.message)
            return
        self._stop_engine()
        self.query_obj = query
        self.view.clear()
        self.view.highlight = query.highlight_regex()
        self.dropped = self.received = 0
        self.mode = "query"
        try:
            self.engine = self.session.logs(query, on_ready=lambda: self.post_message(LogsArrived()))
        except MeshtuiError as exc:
            self._status(error=exc.message)
            return
        self._status()

    @on(Input.Submitted, "#log-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        if self.mode == "search":
            pattern = event.value
            try:
                self.view.search = re.compile(pattern, re.IGNORECASE) if pattern else None
            except re.error as exc:
                self.app.notify(f"bad search regex: {exc}", severity="error")
                return
            self.view.refresh()
            if self.view.search is not None and not self.view.find(forward=False):
                self.app.notify(f"no match for {pattern!r}", severity="warning")
            self.mode = "query"
            self.query_one("#log-query", Input).value = self.query_obj.describe() if self.query_obj else ""
        else:
            self.open_query(event.value, None)
        self.view.focus()

    @on(LogsArrived)
    def _arrived(self, message: LogsArrived) -> None:
        self._drain()

    def _drain(self) -> None:
        engine = self.engine
        if engine is None:
            return
        batch = engine.drain(DRAIN_BATCH)
        self.received += len(batch.lines)
        self.dropped = batch.dropped
        self.streams = batch.streams
        if batch.events:
            self.last_event = batch.events[-1]
        if batch.lines:
            self.view.append(batch.lines)
        self._status()
        if engine.buffered():
            self.call_later(self._drain)  # let keys and repaints in before the next batch

    # -- status ------------------------------------------------------------------------
    def _status(self, error: str | None = None) -> None:
        theme = self.app.current_theme
        text = Text()
        if error:
            text.append(f"✘ {error}", style=f"bold {theme.error}")
            self.query_one("#log-status", Static).update(text)
            return
        view = self.view
        text.append("● following" if view.following else "⏸ paused (End resumes)",
                    style=str(theme.success if view.following else theme.warning))
        text.append(f"  {self.streams} streams  {self.received:,} lines")
        lost = self.dropped + view.evicted
        if lost:
            text.append(f"  {lost:,} dropped from view", style=str(theme.warning))
        flags = [name for name, on_ in (("wrap", view.wrap), ("json", view.structured), ("sidecars",
                 bool(self.query_obj and self.query_obj.sidecars)), ("timestamps", view.timestamps)) if on_]
        text.append(f"  [{' '.join(flags)}]", style="dim")
        if self.query_obj is not None:
            text.append(f"  {self.query_obj.describe()}", style="dim")
        if self.last_event:
            text.append(f"  · {self.last_event}", style="dim italic")
        self.query_one("#log-status", Static).update(text)

    @on(LogView.Paused)
    def _paused(self, message: LogView.Paused) -> None:
        self._status()

    # -- actions -----------------------------------------------------------------------
    def action_edit_query(self) -> None:
        self.mode = "query"
        box = self.query_one("#log-query", Input)
        box.placeholder = HELP
        box.focus()

    def action_search(self) -> None:
        self.mode = "search"
        box = self.query_one("#log-query", Input)
        box.value = self.view.search.pattern if self.view.search else ""
        box.placeholder = "search (regex, case-insensitive); Enter finds, n/N next/previous"
        box.focus()

    def action_next_match(self) -> None:
        self.view.find(forward=True)

    def action_previous_match(self) -> None:
        self.view.find(forward=False)

    def action_toggle_follow(self) -> None:
        if self.view.following:
            self.view.following = False
            self._status()
        else:
            self.view.action_follow()

    def action_toggle_wrap(self) -> None:
        self.view.wrap = not self.view.wrap
        self.view._relayout()
        self._status()

    def action_toggle_json(self) -> None:
        self.view.structured = not self.view.structured
        self.view._relayout()
        self._status()

    def action_toggle_timestamps(self) -> None:
        self.view.timestamps = not self.view.timestamps
        self.view._relayout()
        self._status()

    def action_toggle_sidecars(self) -> None:
        if self.query_obj is None:
            return
        from dataclasses import replace

        self.query_obj = replace(self.query_obj, sidecars=not self.query_obj.sidecars)
        text = self.query_one("#log-query", Input).value
        text = re.sub(r"\s*--sidecars\b", "", text)
        self.open_query(f"{text} --sidecars".strip() if self.query_obj.sidecars else text, None)

    def action_expand(self) -> None:
        line = self.view.current()
        if line is None:
            return
        import json

        from meshtui.ui.screens.text_view import TextViewScreen

        fields = line.fields
        body = json.dumps(fields, indent=2, ensure_ascii=False) if fields else line.raw
        header = f"{line.namespace}/{line.pod} {line.container}  {format_ns(line.ts) if line.ts else ''}"
        self.app.push_screen(TextViewScreen(header, f"{line.raw}\n\n{body}" if fields else body))

    def action_pivot(self) -> None:
        line = self.view.current()
        rid = line.request_id if line else None
        if not rid:
            self.app.notify("the selected line carries no request id (move the cursor with ↑/↓)", severity="warning")
            return
        self.app.notify(f"collecting every line of request {rid}…")
        self._collect_pivot(rid, line.namespace if line else None)

    @work(thread=True, exclusive=True, group="pivot", exit_on_error=False)
    def _collect_pivot(self, rid: str, namespace: str | None) -> None:
        try:
            lines = self.session.pivot(rid, namespace)
        except MeshtuiError as exc:
            self.post_message(PivotLoaded(rid, [], exc.message))
            return
        self.post_message(PivotLoaded(rid, lines))

    @on(PivotLoaded)
    def _pivot_loaded(self, message: PivotLoaded) -> None:
        from meshtui.domain.logs import sanitize
        from meshtui.ui.screens.text_view import TextViewScreen

        if message.error:
            self.app.notify(message.error, severity="error")
            return
        self.last_pivot = message.request_id
        rows = [f"{format_ns(x.ts)[11:23]}  {x.namespace}/{x.pod}  {x.container}\n    {sanitize(x.raw)}"
                for x in message.lines]
        hops = len({(x.pod, x.container) for x in message.lines})
        title = f"request {message.request_id}: {len(message.lines)} lines from {hops} containers (gateway, sidecars, apps)"
        self.app.push_screen(TextViewScreen(title, "\n".join(rows) or "no lines found in the last hour"))

    def action_clear(self) -> None:
        self.view.clear()
        self.received = self.dropped = 0
        self._status()

    def action_save(self) -> None:
        if not self.view.lines:
            self.app.notify("nothing to save", severity="warning")
            return
        target = Path.home() / f"meshtui-logs-{time.strftime('%Y%m%d-%H%M%S')}.log"
        masker = getattr(self.app.wiring, "masker", None)
        with target.open("w", encoding="utf-8") as fh:
            for line in self.view.lines:
                text = masker.mask(line.raw) if masker is not None else line.raw
                fh.write(f"{format_ns(line.ts) if line.ts else '-'} {line.namespace}/{line.pod} {line.container} "
                         f"{text}\n")
        self.app.notify(f"saved {len(self.view.lines):,} lines (full, untruncated) to {target}")
