"""Panel 1, Overview: pods, nodes, warning events and a health line, kept live by watches.

Feeds (list-then-watch threads in `services.feed`) only post `FeedChanged`; the panel
drains them at most five times a second into the pod store (`domain.pod_view`), which
moves only the changed keys, and tells the virtual table which rows changed. The table
draws only the rows on screen, so 20,000 pods and 500 pod events a second cost a frame
what 40 pods cost. The health line is recomputed from counters once a second.

Keys that open an input act at once (priority bindings, focus set synchronously), so a
burst typed after `/` lands in the filter even when the app is busy.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.pod_view import PodView
from meshtui.domain.text import inert
from meshtui.domain.workloads import EventSummary, NodeSummary, PodSummary
from meshtui.ui.failures import ReportsFailures, WorkerFailed
from meshtui.ui.messages import FeedChanged, IngressProbed
from meshtui.ui.panels.overview_actions import FilterInput, OverviewActions
from meshtui.ui.panels.overview_rows import (
    EVENT_COLUMNS,
    NODE_COLUMNS,
    POD_COLUMNS,
    LiveFeed,
    OverviewSession,
    PodRows,
    event_rows,
    health_line,
    node_rows,
)
from meshtui.ui.repaint import FREEZE_AFTER, freeze_survivors, update_static
from meshtui.ui.widgets.virtual_table import Cell, ListSource, VirtualTable

if TYPE_CHECKING:
    from meshtui.services.cluster import ProbeResult

T = TypeVar("T")
RENDER_EVERY = 0.2
HEALTH_EVERY = 1.0
FEEDS = ("pods", "nodes", "events", "namespaces")


class OverviewPanel(ReportsFailures, OverviewActions):
    """Pods, nodes, warning events, health."""

    FAILURE_SOURCE = "Overview"
    DEFAULT_CSS = """
    OverviewPanel #filter-note { width: auto; color: $error; padding: 0 1; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="overview.filter", priority=True),
        Binding("escape", "clear_filter", "Clear filter", id="overview.clear_filter", show=False, priority=True),
        Binding("n", "next_namespace", "Namespace", id="overview.namespace"),
        Binding("s", "sort", "Sort", id="overview.sort"),
        Binding("S", "reverse_sort", "Reverse", id="overview.reverse", show=False),
        Binding("l", "logs", "Logs", id="overview.logs"),
        Binding("d", "describe", "Describe", id="overview.describe"),
        Binding("x", "delete_pod", "Delete pod", id="overview.delete_pod"),
        Binding("r", "refresh", "Relist", id="overview.refresh", show=False),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.session: OverviewSession | None = None
        self.feeds: dict[str, LiveFeed[object]] = {}
        self.view = PodView()
        self.rows = PodRows(self.view)
        self.nodes: dict[str, NodeSummary] = {}
        self.events: dict[str, EventSummary] = {}
        self.namespaces: list[str] = []
        self.ingress: ProbeResult | None = None
        self.failures: dict[str, str] = {}
        self._node_rows = ListSource()
        self._event_rows = ListSource()
        self._pending: set[str] = set()
        self._last_render = 0.0
        self._render_pending = False
        self._health_at = 0.0
        self._health_pending = False
        self.offline: str | None = None

    @property
    def pods(self) -> dict[str, PodSummary]:
        return self.view.pods

    @property
    def namespace(self) -> str | None:
        return self.view.namespace

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="health")
        with Horizontal(id="overview-filters"):
            yield Static("namespace: all", id="namespace-label")
            yield Static("sort: namespace ↑", id="sort-label")
            yield Static("", id="filter-note")
            yield FilterInput(self.action_apply_filter, placeholder="/ filter pods: text, or re:REGEX (^ $ at each of ns/name, "
                              "name, status, node, version, app); Enter applies, Esc clears", id="pod-filter")
        yield VirtualTable(POD_COLUMNS, self.rows, id="pods")
        with Horizontal(id="overview-bottom"):
            with Vertical(id="nodes-box"):
                yield Static("Nodes", classes="section-title")
                yield VirtualTable(NODE_COLUMNS, self._node_rows, id="nodes")
            with Vertical(id="events-box"):
                yield Static("Warning events", classes="section-title")
                yield VirtualTable(EVENT_COLUMNS, self._event_rows, id="events", zebra=False)

    def on_mount(self) -> None:
        self.query_one("#pod-filter", Input).display = False
        self.table.sorted_by = (self.view.sort_by, self.view.reverse)
        self.set_interval(5.0, self._tick)

    def focus_target(self) -> VirtualTable:
        return self.table

    # -- session -----------------------------------------------------------------------
    def attach(self, session: OverviewSession) -> None:
        self.detach()
        self.offline = None
        self.session = session
        self._start_feeds(session)
        self.probe_ingress()

    def _start_feeds(self, session: OverviewSession) -> None:
        for feed in self.feeds.values():
            feed.stop()
        self.feeds = {name: session.feed(name, partial(self._feed_posted, name)) for name in FEEDS}

    def action_refresh(self) -> None:
        """Relist everything: new feeds; the rows stay until the new lists replace them."""
        if self.session is not None:
            self._start_feeds(self.session)
            self.app.notify("relisting pods, nodes and events")

    def _feed_posted(self, name: str) -> None:
        """Called on the feed's thread: only a (coalesced) message crosses to the app."""
        self.post_message(FeedChanged(name))

    def detach(self) -> None:
        for feed in self.feeds.values():
            feed.stop()
        self.feeds.clear()
        self.session = None
        self.view.apply({}, (), resynced=True)
        self.nodes.clear()
        self.events.clear()
        self._pending = {"nodes", "events"}
        self._redraw()

    def show_offline(self, reason: str, hint: str | None = None) -> bool:
        """No cluster: the health line says so (never "connecting…"); the app's notice above keeps the way back."""
        self.offline = inert(reason)
        self._render_health()
        return False

    @on(FeedChanged)
    def _feed_changed(self, message: FeedChanged) -> None:
        if message.feed in self.feeds:
            self._pending.add(message.feed)
            self._schedule_render()

    def _schedule_render(self) -> None:
        wait = self._last_render + RENDER_EVERY - time.monotonic()
        if wait <= 0:
            self._redraw()
        elif not self._render_pending:
            self._render_pending = True
            self.set_timer(wait, self._redraw)

    # -- drawing -----------------------------------------------------------------------
    def _redraw(self) -> None:
        """Drain the feeds that changed into the store; tell each table which rows changed."""
        self._render_pending = False
        self._last_render = time.monotonic()
        if not self.is_mounted:
            return
        now = time.time()
        self.rows.now = now
        pending, self._pending = self._pending, set()
        pods = cast("LiveFeed[PodSummary] | None", self.feeds.get("pods"))  # the "pods" feed carries PodSummary
        if "pods" in pending and pods is not None:
            changes = pods.drain()
            delta = self.view.apply(changes.upserts, changes.deletes, changes.resynced)
            table = self.table
            table.widen(self.rows.widths())
            if delta.moved:
                table.rows_moved()
                self._show_filter_note()  # a regex too slow for the new pods is given up
            table.rows_changed(delta.changed)
            if changes.resynced:
                self._health_at = 0.0  # a (re)list is news: the health line follows at once
                if len(changes.upserts) >= FREEZE_AFTER:
                    self.call_after_refresh(freeze_survivors)  # after the table is on screen
        if "nodes" in pending:
            self._drain_into(self.nodes, cast("LiveFeed[NodeSummary] | None", self.feeds.get("nodes")))
        if "events" in pending:
            self._drain_into(self.events, cast("LiveFeed[EventSummary] | None", self.feeds.get("events")))
        if "nodes" in pending:
            self._show_rows("#nodes", self._node_rows, *node_rows(self.nodes.values(), now))
        if "events" in pending:
            self._show_rows("#events", self._event_rows, *event_rows(self.events.values(), now))
        namespaces = self.feeds.get("namespaces")
        if "namespaces" in pending and namespaces is not None:
            namespaces.drain()
            self.namespaces = sorted(str(name) for name in namespaces.snapshot().values())
        self._schedule_health()

    @staticmethod
    def _drain_into(store: dict[str, T], feed: LiveFeed[T] | None) -> None:
        if feed is None:
            return
        changes = feed.drain()
        if changes.resynced:
            store.clear()
        store.update(changes.upserts)
        for key in changes.deletes:
            store.pop(key, None)

    def _show_rows(self, selector: str, source: ListSource, rows: dict[str, Sequence[Cell]], order: list[str]) -> None:
        table = self.query_one(selector, VirtualTable)
        changed = source.set(rows, order)
        table.rows_moved()
        table.rows_changed(changed)


    def _schedule_health(self) -> None:
        due = self._health_at + HEALTH_EVERY - time.monotonic()
        if due <= 0 or not self.feeds:
            self._render_health()
        elif not self._health_pending:
            self._health_pending = True
            self.set_timer(due, self._render_health)

    def _render_health(self) -> None:
        self._health_at = time.monotonic()
        self._health_pending = False
        if not self.is_mounted:
            return
        if self.offline is not None and self.session is None:
            update_static(self.query_one("#health", Static), Content.styled(f"○ not connected: {self.offline}", "$error"),
                          fixed_size=True)
            return
        summary = self.view.health(len(self.events), time.time())
        states = {feed.state.value for feed in self.feeds.values()}
        errors = [feed.error for feed in self.feeds.values() if feed.error]
        line = health_line(summary, len(self.view), sum(1 for n in self.nodes.values() if n.ready), len(self.nodes),
                           states, errors, self.ingress, bool(self.feeds))
        for job, text in self.failures.items():
            line = line + Content.styled(f"  ✘ {job}: {text}", "$error")
        update_static(self.query_one("#health", Static), line, fixed_size=True)

    def _tick(self) -> None:
        """Ages move on: redraw the rows on screen (the others are formatted when scrolled to)."""
        if self.session is None:
            return
        self.rows.now = time.time()
        self.table.rows_changed(None)
        self._pending |= {"nodes", "events"}
        self._schedule_render()
        self.probe_ingress()

    @work(thread=True, exclusive=True, group="ingress-probe", exit_on_error=False)
    def probe_ingress(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            if session.cluster.istio_version() is None:
                return
            self.post_message(IngressProbed(session.cluster.probe_ingress()))
        except MeshtuiError as exc:
            from meshtui.services.cluster import ProbeResult

            self.post_message(IngressProbed(ProbeResult(None, False, detail=exc.message)))

    @on(IngressProbed)
    def _probed(self, message: IngressProbed) -> None:
        self.ingress = message.result
        self.failures.pop("ingress-probe", None)
        self._render_health()

    def _failed(self, job: str, text: str | None) -> None:
        """`job` failed with `text` (on the health line until it next succeeds), or succeeded (None)."""
        if text is None:
            if self.failures.pop(job, None) is not None:
                self._render_health()
            return
        self.failures[job] = inert(text)
        self._render_health()

    def worker_failed(self, job: str, error: BaseException) -> None:
        """An unexpected error in a worker: shown in place on the health line (the app also notifies)."""
        self._failed(job, WorkerFailed(self.FAILURE_SOURCE, job, error).summary)
