"""Panel 2, Logs: a query box over the log engine, a view that costs what it shows, the pivot.

Lines reach the view through `Intake` (logs_intake.py: paced drains, a paused view that
never evicts and says what waits or was dropped, stream-event markers placed in the stream by
`logs_marks`). The query box is parsed by the CLI's own argparse definitions (same words,
same error messages); a rejected query is shown and stays shown until fixed, it never
silently leaves the old one running. Every typed key lands, in order: `e` and `/` are
priority bindings that move the focus at once (keys typed right behind them reached the
panel's other keys before), and the box applies its editing keys where they arrive
(`QueryInput`: a backspace burst no longer eats the characters typed after it). Help lists
every key that works here, the view's moving keys included (End: follow).
"""

from __future__ import annotations

import re
from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.domain.user_regex import PASS_SECONDS, UserRegex, UserRegexError
from meshtui.services.log_model import StreamSummary
from meshtui.services.log_query import LogQuery, parse_query
from meshtui.services.logs import LogSession, LogSource
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.panels.logs_intake import VIEW_ACTIONS, Intake, view_keys
from meshtui.ui.panels.logs_lines import LineActions
from meshtui.ui.panels.logs_marks import StreamMarks
from meshtui.ui.panels.logs_status import StatusFacts, status_text
from meshtui.ui.widgets.log_view import LogView
from meshtui.ui.widgets.query_input import QueryInput

HELP = ("query: -n NS | -A  -l SELECTOR  deploy/NAME  pod/NAME  REGEX  -c CONTAINER_RE  --sidecars  --since 5m  "
        "--tail N  -i RE  -e RE  --highlight RE  level>=warn  status=5xx  --buffer N")


class LogsArrived(Message):
    """The engine buffered lines or its streams changed; coalesced (the handler drains)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LogsArrived)


class LogsPanel(Intake, LineActions, ReportsFailures, Vertical):
    """Query box, status line, log view."""

    FAILURE_SOURCE = "Logs"

    BINDINGS = [
        Binding("e", "edit_query", "Query", id="logs.query", priority=True),
        Binding("slash", "search", "Search", id="logs.search", priority=True),
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
        *view_keys(),
    ]

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session: LogSession | None = None
        self.engine: LogSource | None = None
        self.query_obj: LogQuery | None = None
        self.mode = "query"
        self.dropped = 0
        self.received = 0
        self.summary: StreamSummary | None = None
        self.error: str | None = None
        self.last_event = ""
        self.last_pivot: str | None = None
        self._status_shown: Text | None = None
        self._drained_at = 0.0
        self._drain_timer: Timer | None = None
        self._held = False
        self.full = False
        self.marks = StreamMarks()

    def compose(self) -> ComposeResult:
        yield QueryInput(placeholder=HELP, id="log-query")
        yield Static("", id="log-status")
        yield LogView(max_lines=self._default_cap(), id="log-view")

    def _default_cap(self) -> int:
        settings = getattr(self.app, "settings", None)
        return int(getattr(settings, "log_buffer_lines", 20000))

    def focus_target(self) -> LogView:
        return self.view

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    @property
    def box(self) -> Input:
        return self.query_one("#log-query", Input)

    def _box_focused(self) -> bool:
        """The box has the focus now (`has_focus` lags: it waits for the Focus event to be handled)."""
        return self.is_mounted and self.screen.focused is self.box

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The box gets every key while it has the focus (e and / are priority bindings)."""
        if action in ("edit_query", "search", *VIEW_ACTIONS) and self._box_focused():
            return False
        return True

    # -- session and engine ----------------------------------------------------------------
    def attach(self, session: LogSession) -> None:
        """Remember the session; tailing starts when the panel is first shown (nobody reads hidden logs)."""
        self._stop_engine()
        self.session = session
        self.query_obj = None
        if self.is_mounted and self.display and self.parent is not None and self.parent.display:
            self.open_query("", None)

    def on_show(self) -> None:
        if self.session is not None and self.engine is None and self.query_obj is None:
            self.open_query(self.box.value, None)

    def detach(self) -> None:
        self._stop_engine()
        self.session = None

    def _stop_engine(self) -> None:
        self.marks.reset()
        self.full = False
        if self.engine is not None:
            self.engine.stop()
            self.engine = None

    def open_query(self, text: str, namespace: str | None) -> None:
        """Apply a query (from the box, or the Overview's `l`); a bad one is shown and kept in the box."""
        if namespace and not re.search(r"(^|\s)(-n|--namespace|-A|--all-namespaces)\b", text):
            text = f"-n {namespace} {text}".strip()
        if not self._box_focused():
            self.box.value = text
        if self.session is None:
            return
        try:
            query = parse_query(text, LogQuery(namespace=self.session.default_namespace))
        except MeshtuiError as exc:
            self._reject(exc.message)
            return
        self._stop_engine()
        self.error = None
        self.box.set_class(False, "-invalid")
        self.query_obj = query
        self.view.clear(query.buffer or self._default_cap())  # the engine queues no more than the view keeps
        self.view.highlight = query.highlight_regex()
        self.view.set_timestamps(query.timestamps)
        self.dropped = self.received = 0
        self.summary = None
        self.last_event = ""
        self.mode = "query"
        try:
            cap = query.buffer or self._default_cap()
            self.engine = self.session.logs(replace(query, buffer=cap), on_ready=self._lines_ready)
        except MeshtuiError as exc:
            self._reject(exc.message)
            return
        self._status()

    def _lines_ready(self) -> None:
        """The engine's callback (a tail's thread): ask the event loop to drain."""
        self.post_message(LogsArrived())

    def _reject(self, message: str) -> None:
        self.error = message
        self.box.set_class(True, "-invalid")
        self.app.notify(inert(message), title="Query not applied", severity="error", markup=False)
        self._status()

    @on(Input.Submitted, "#log-query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        if self.mode == "search":
            self._run_search(event.value)
            return
        self.open_query(event.value, None)
        if self.error is None:
            self.screen.set_focus(self.view)

    def _run_search(self, pattern: str) -> None:
        try:
            # a line at most 20 ms, the whole search at most 0.25 s lost to such lines (`domain.user_regex`)
            self.view.search = UserRegex(pattern, ignore_case=True, timeout=0.02, give_up=PASS_SECONDS) \
                if pattern else None
        except UserRegexError as exc:
            self._reject(f"bad search regex {pattern!r}: {exc}")
            return
        self.error = None
        self.box.set_class(False, "-invalid")
        self.mode = "query"
        self.box.value = self.query_obj.describe() if self.query_obj else ""
        self.box.placeholder = HELP
        self.screen.set_focus(self.view)
        self.view.refresh()
        if self.view.search is not None:
            self.view.find(forward=False)
        self._status()

    @on(LogView.Searched)
    def _searched(self, message: LogView.Searched) -> None:
        search = self.view.search
        if isinstance(search, UserRegex) and search.timeouts and not message.found:  # told once a search
            self.app.notify(inert(search.slow_note()), severity="warning", markup=False)
        elif not message.found and search is not None:
            self.app.notify(f"no line matches {inert(repr(search.pattern))}", severity="warning", markup=False)
        self._status()

    @on(LogsArrived)
    def _arrived(self, message: LogsArrived) -> None:
        self._schedule_drain()

    # -- status ------------------------------------------------------------------------------
    def _status(self) -> None:
        view = self.view
        flags = [name for name, on_ in (("wrap", view.wrap), ("json", view.structured), ("sidecars",
                 bool(self.query_obj and self.query_obj.sidecars)), ("timestamps", view.timestamps)) if on_]
        facts = StatusFacts(following=view.following, searching=view.searching, received=self.received,
                            kept=len(view.lines) - view.lines.markers, cap=view.lines.capacity, evicted=view.evicted,
                            dropped=self.dropped, full=self.full and not view.following, flags=flags,
                            query=self.query_obj.describe() or "(all pods)" if self.query_obj else "",
                            summary=self.summary, error=self.error, event=self.last_event)
        text = status_text(facts, self.app.current_theme)
        if text != self._status_shown:  # one fixed-height row: repaint it alone, never a screen layout
            self._status_shown = text
            self.query_one("#log-status", Static).update(text, layout=False)

    @on(LogView.Paused)
    def _paused(self, message: LogView.Paused) -> None:
        self._status()

    # -- actions -------------------------------------------------------------------------------
    def action_edit_query(self) -> None:
        self.mode = "query"
        self.box.placeholder = HELP
        self.screen.set_focus(self.box)  # now, not after the keys already typed

    def action_search(self) -> None:
        self.mode = "search"
        self.box.value = self.view.search.pattern if self.view.search else ""
        self.box.placeholder = "search (regex, case-insensitive); Enter finds, n/N next/previous, Esc cancels"
        self.screen.set_focus(self.box)

    @on(QueryInput.Escaped)
    def _leave_box(self, message: QueryInput.Escaped) -> None:
        """Esc in the box: back to the view; the running query stays (and shows again)."""
        self.mode, self.error = "query", None
        self.box.set_class(False, "-invalid")
        self.box.value = self.query_obj.describe() if self.query_obj else ""
        self.box.placeholder = HELP
        self.screen.set_focus(self.view)
        self._status()

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
        self._hold_drain()
        self.view.set_wrap(not self.view.wrap)
        self._status()

    def action_toggle_json(self) -> None:
        self._hold_drain()
        self.view.set_structured(not self.view.structured)
        self._status()

    def action_toggle_timestamps(self) -> None:
        self._hold_drain()
        self.view.set_timestamps(not self.view.timestamps)
        self._status()

    def action_toggle_sidecars(self) -> None:
        if self.query_obj is None:
            return
        self.query_obj = replace(self.query_obj, sidecars=not self.query_obj.sidecars)
        self.box.value = self.query_obj.describe()
        self.open_query(self.box.value, None)

    def action_clear(self) -> None:
        self.view.clear()
        self.received = self.dropped = 0
        self.full = False
        self._status()
