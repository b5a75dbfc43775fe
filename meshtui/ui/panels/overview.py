"""Panel 1, Overview: pods, nodes, warning events and a health line, kept live by watches.

Feeds (list-then-watch threads in `services.feed`) only post `FeedChanged`; the
handler here drains them and updates only the changed rows, by key, at most five times
a second, so a cluster with thousands of pods and hundreds of events a second stays
smooth (the health line is recomputed once a second).
"""

from __future__ import annotations

import re
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.workloads import EventSummary, NodeSummary, PodSummary, health, human_age
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.messages import DescribeLoaded, FeedChanged, IngressProbed, LogsRequested
from meshtui.ui.widgets.keyed_table import KeyedTable

POD_COLUMNS = [("NAMESPACE", "namespace"), ("NAME", "name"), ("READY", "ready"), ("STATUS", "status"),
               ("RESTARTS", "restarts"), ("AGE", "age"), ("NODE", "node"), ("VERSION", "version"),
               ("SIDECAR", "sidecar")]
SORTS = ["namespace", "name", "status", "restarts", "age", "node", "version"]
RENDER_EVERY = 0.2
HEALTH_EVERY = 1.0


class OverviewPanel(ReportsFailures, Vertical):
    """Pods, nodes, warning events, health."""

    FAILURE_SOURCE = "Overview"

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="overview.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="overview.clear_filter", show=False),
        Binding("n", "next_namespace", "Namespace", id="overview.namespace"),
        Binding("s", "sort", "Sort", id="overview.sort"),
        Binding("S", "reverse_sort", "Reverse", id="overview.reverse", show=False),
        Binding("l", "logs", "Logs", id="overview.logs"),
        Binding("d", "describe", "Describe", id="overview.describe"),
        Binding("x", "delete_pod", "Delete pod", id="overview.delete_pod"),
        Binding("r", "refresh", "Relist", id="overview.refresh", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: Any = None
        self.feeds: dict[str, Any] = {}
        self.pods: dict[str, PodSummary] = {}
        self.nodes: dict[str, NodeSummary] = {}
        self.events: dict[str, EventSummary] = {}
        self.namespaces: list[str] = []
        self.namespace: str | None = None
        self.filter_text = ""
        self.sort_by = "namespace"
        self.sort_reverse = False
        self.ingress: Any = None
        self._last_render = 0.0
        self._render_pending = False
        self._pod_cells: dict[str, tuple] = {}
        self._dirty: set[str] = set()
        self._order: list[str] = []
        self._order_stale = True
        self._health_at = 0.0
        self._health_pending = False

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="health")
        with Horizontal(id="overview-filters"):
            yield Static("namespace: all", id="namespace-label")
            yield Static("sort: namespace ↑", id="sort-label")
            yield Input(placeholder="/ filter pods (text, or re:REGEX); Enter applies, Esc clears", id="pod-filter")
        yield KeyedTable(POD_COLUMNS, id="pods")
        with Horizontal(id="overview-bottom"):
            with Vertical(id="nodes-box"):
                yield Static("Nodes", classes="section-title")
                yield KeyedTable([("NAME", "name"), ("STATUS", "status"), ("ROLES", "roles"), ("AGE", "age"),
                                  ("VERSION", "version")], id="nodes")
            with Vertical(id="events-box"):
                yield Static("Warning events", classes="section-title")
                yield KeyedTable([("SEEN", "seen"), ("REASON", "reason"), ("OBJECT", "object"),
                                  ("MESSAGE", "message")], id="events")

    def on_mount(self) -> None:
        self.query_one("#pod-filter", Input).display = False
        self.set_interval(5.0, self._tick)

    # -- session -----------------------------------------------------------------------
    def attach(self, session: Any) -> None:
        self.detach()
        self.session = session
        for name in ("pods", "nodes", "events", "namespaces"):
            self.feeds[name] = session.feed(name, lambda n=name: self.post_message(FeedChanged(n)))
        self.probe_ingress()

    def detach(self) -> None:
        for feed in self.feeds.values():
            feed.stop()
        self.feeds.clear()
        self.session = None
        self.pods.clear()
        self.nodes.clear()
        self.events.clear()
        self._invalidate()
        self._redraw()

    @on(FeedChanged)
    def _feed_changed(self, message: FeedChanged) -> None:
        feed = self.feeds.get(message.feed)
        if feed is None:
            return
        changes = feed.drain()
        target: dict[str, Any] = {"pods": self.pods, "nodes": self.nodes, "events": self.events}.get(message.feed, {})
        if message.feed == "namespaces":
            self.namespaces = sorted(feed.snapshot().values())
        else:
            if changes.resynced:
                target.clear()
            target.update(changes.upserts)
            for key in changes.deletes:
                target.pop(key, None)
            if message.feed == "pods":
                if changes.resynced or changes.deletes or any(k not in self._pod_cells for k in changes.upserts):
                    self._order_stale = True
                elif self.sort_by in ("status", "restarts", "node", "version"):
                    self._order_stale = True
                self._dirty.update(changes.upserts)
                if changes.resynced:
                    self._pod_cells.clear()
        self._schedule_render()

    def _invalidate(self) -> None:
        """Filter, sort, namespace, theme or clock changed: every row is recomputed."""
        self._pod_cells.clear()
        self._order_stale = True

    def _schedule_render(self) -> None:
        wait = self._last_render + RENDER_EVERY - time.monotonic()
        if wait <= 0:
            self._redraw()
        elif not self._render_pending:
            self._render_pending = True
            self.set_timer(wait, self._redraw)

    # -- rendering ---------------------------------------------------------------------
    def _colour(self, name: str) -> str:
        theme = self.app.current_theme
        return str(getattr(theme, name, None) or name)

    def _status_text(self, pod: PodSummary) -> Text:
        if pod.status in ("Running", "Completed", "Succeeded") and (pod.is_ready or pod.status != "Running"):
            style = self._colour("success")
        elif pod.status in ("Pending", "ContainerCreating", "Running", "Terminating", "PodInitializing"):
            style = self._colour("warning")
        else:
            style = self._colour("error")
        return Text(pod.status, style=style)

    def _visible(self) -> list[PodSummary]:
        text = self.filter_text.strip().lower()
        pattern = None
        if text.startswith("re:"):
            try:
                pattern = re.compile(text[3:], re.IGNORECASE)
            except re.error:
                pattern = None
        out = []
        for pod in self.pods.values():
            if self.namespace and pod.namespace != self.namespace:
                continue
            haystack = f"{pod.namespace}/{pod.name} {pod.status} {pod.node} {pod.version} {pod.app}".lower()
            if pattern is not None:
                if not pattern.search(haystack):
                    continue
            elif text and text not in haystack:
                continue
            out.append(pod)
        now = time.time()
        keyers = {"namespace": lambda p: (p.namespace, p.name), "name": lambda p: (p.name, p.namespace),
                  "status": lambda p: (p.status, p.namespace, p.name), "restarts": lambda p: (-p.restarts, p.name),
                  "age": lambda p: (-(now - (p.created or now)), p.name), "node": lambda p: (p.node, p.name),
                  "version": lambda p: (p.version, p.name)}
        out.sort(key=keyers[self.sort_by], reverse=self.sort_reverse)
        return out

    def _pod_cells_for(self, pod: PodSummary, now: float) -> tuple:
        ready_style = self._colour("success") if pod.is_ready else self._colour("warning")
        restarts = str(pod.restarts)
        if pod.last_restart is not None:
            restarts += f" ({human_age(now - pod.last_restart)} ago)"
        return (pod.namespace, pod.name, Text(pod.ready_text(), style=ready_style), self._status_text(pod), restarts,
                human_age(now - pod.created if pod.created else None), pod.node, pod.version or "-",
                "yes" if pod.sidecar else "—")

    def _redraw(self) -> None:
        self._render_pending = False
        self._last_render = time.monotonic()
        if not self.is_mounted:
            return
        now = time.time()
        if self._order_stale:
            self._order = [p.key for p in self._visible()]
            self._order_stale = False
            visible = set(self._order)
            self._pod_cells = {k: v for k, v in self._pod_cells.items() if k in visible}
        changed = {k for k in self._dirty if k in self.pods}
        for key in self._order:
            if key not in self._pod_cells or key in changed:
                self._pod_cells[key] = self._pod_cells_for(self.pods[key], now)
        self._dirty.clear()
        self.query_one("#pods", KeyedTable).sync(self._pod_cells, self._order, changed=changed)
        nodes = sorted(self.nodes.values(), key=lambda n: n.name)
        self.query_one("#nodes", KeyedTable).sync(
            {n.key: (n.name, Text("Ready" if n.ready else "NotReady",
                                  style=self._colour("success" if n.ready else "error")),
                     n.roles, human_age(now - n.created if n.created else None), n.version) for n in nodes},
            [n.key for n in nodes])
        events = sorted(self.events.values(), key=lambda e: -(e.last_seen or 0))[:200]
        self.query_one("#events", KeyedTable).sync(
            {e.key: (human_age(now - e.last_seen if e.last_seen else None), Text(e.reason, style=self._colour("warning")),
                     e.object, e.message) for e in events}, [e.key for e in events])
        due = self._health_at + HEALTH_EVERY - time.monotonic()
        if due <= 0 or not self.feeds:
            self._render_health(len(self._order))
        elif not self._health_pending:
            self._health_pending = True
            self.set_timer(due, lambda: self._render_health(len(self._order)))

    def _render_health(self, shown: int) -> None:
        self._health_at = time.monotonic()
        self._health_pending = False
        summary = health(self.pods.values(), len(self.events))
        states = {f.state.value for f in self.feeds.values()}
        errors = [f.error for f in self.feeds.values() if f.error]
        bar = Text()
        bar.append(f"{summary.pods} pods", style="bold")
        bar.append(f" ({shown} shown)  ")
        bar.append(f"{summary.not_ready} not ready", style=self._colour("success" if not summary.not_ready else "warning"))
        bar.append("  ")
        bar.append(f"{summary.restarts_10m} restarted in 10m",
                   style=self._colour("success" if not summary.restarts_10m else "warning"))
        bar.append(f"  {sum(1 for n in self.nodes.values() if n.ready)}/{len(self.nodes)} nodes ready")
        bar.append(f"  {summary.warnings} warnings")
        if self.ingress is not None:
            probe = self.ingress
            if probe.url is None:
                bar.append("  ingress: not reachable", style=self._colour("warning"))
            else:
                bar.append(f"  ingress {probe.status or 'down'}", style=self._colour("success" if probe.ok else "error"))
                if probe.latency_ms is not None:
                    bar.append(f" ({probe.latency_ms:.0f} ms)")
        if not self.feeds:
            bar.append("  ○ not connected", style=self._colour("error"))
        elif "reconnecting" in states:
            bar.append(f"  ◌ reconnecting: {errors[0] if errors else ''}", style=self._colour("warning"))
        elif states == {"live"}:
            bar.append("  ● live", style=self._colour("success"))
        else:
            bar.append("  ◌ connecting", style=self._colour("warning"))
        self.query_one("#health", Static).update(bar)

    def _tick(self) -> None:
        if self.session is not None:
            self._age_moved()
            self._schedule_render()
            self.probe_ingress()

    def _age_moved(self) -> None:
        """Mark only the rows whose AGE or RESTARTS text changed since it was drawn (not all 5,000)."""
        now = time.time()
        for key, cells in self._pod_cells.items():
            pod = self.pods.get(key)
            if pod is None:
                continue
            age = human_age(now - pod.created if pod.created else None)
            if cells[5] != age or (pod.last_restart is not None and not str(cells[4]).endswith(
                    f"({human_age(now - pod.last_restart)} ago)")):
                self._dirty.add(key)

    @work(thread=True, exclusive=True, group="ingress-probe", exit_on_error=False)
    def probe_ingress(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            if session.cluster.istio_version() is None:
                return
            self.post_message(IngressProbed(session.cluster.probe_ingress()))
        except MeshtuiError:
            pass

    @on(IngressProbed)
    def _probed(self, message: IngressProbed) -> None:
        self.ingress = message.result
        self._render_health(len(self._order))  # only the health line shows it

    # -- actions -----------------------------------------------------------------------
    def selected_pod(self) -> PodSummary | None:
        key = self.query_one("#pods", KeyedTable).selected_key()
        return self.pods.get(key) if key else None

    def select_app(self, app: str, namespace: str | None = None) -> bool:
        """Put the cursor on the first pod of `app` (a tour's show-me); False when none is listed."""
        if self.filter_text:
            self.action_clear_filter()
        table = self.query_one("#pods", KeyedTable)
        for key in self._order:
            pod = self.pods.get(key)
            if pod is not None and pod.app == app and (namespace is None or pod.namespace == namespace):
                table.move_cursor(row=table.get_row_index(key))
                table.focus()
                return True
        self.app.notify(f"no pod of {app} is listed", severity="warning")
        return False

    def action_filter(self) -> None:
        box = self.query_one("#pod-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#pod-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.filter_text = event.value
        self._invalidate()
        self._redraw()
        self.query_one("#pods", KeyedTable).focus()

    @on(Input.Changed, "#pod-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._invalidate()
        self._schedule_render()

    def action_clear_filter(self) -> None:
        box = self.query_one("#pod-filter", Input)
        box.value = ""
        box.display = False
        self.filter_text = ""
        self._invalidate()
        self._redraw()
        self.query_one("#pods", KeyedTable).focus()

    def action_next_namespace(self) -> None:
        choices: list[str | None] = [None, *self.namespaces]
        index = choices.index(self.namespace) if self.namespace in choices else 0
        self.namespace = choices[(index + 1) % len(choices)]
        self.query_one("#namespace-label", Static).update(f"namespace: {self.namespace or 'all'}")
        self._invalidate()
        self._redraw()

    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._update_sort_label()

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._update_sort_label()

    def _update_sort_label(self) -> None:
        arrow = "↓" if self.sort_reverse else "↑"
        self.query_one("#sort-label", Static).update(f"sort: {self.sort_by} {arrow}")
        self._invalidate()
        self._redraw()

    def on_data_table_header_selected(self, event: Any) -> None:
        key = event.column_key.value
        if key in SORTS:
            self.sort_reverse = (not self.sort_reverse) if key == self.sort_by else False
            self.sort_by = key
            self._update_sort_label()

    def action_logs(self) -> None:
        pod = self.selected_pod()
        if pod is None:
            self.app.notify("select a pod first", severity="warning")
            return
        self.post_message(LogsRequested(f"pod/{pod.name}", pod.namespace))

    def action_describe(self) -> None:
        pod = self.selected_pod()
        if pod is None:
            self.app.notify("select a pod first", severity="warning")
            return
        self._describe(pod.namespace, pod.name)

    @work(thread=True, exclusive=True, group="describe", exit_on_error=False)
    def _describe(self, namespace: str, name: str) -> None:
        try:
            text = self.session.cluster.describe(namespace, name)
        except MeshtuiError as exc:
            self.app.call_from_thread(self.app.notify, exc.message, severity="error")
            return
        self.post_message(DescribeLoaded(f"pod {namespace}/{name}", text))

    def action_delete_pod(self) -> None:
        pod = self.selected_pod()
        if pod is None or self.session is None:
            self.app.notify("select a pod first", severity="warning")
            return
        refusal = self.session.guard.refusal(f"delete pod {pod.key}")
        if refusal:
            self.app.notify(refusal, title="Safety guard", severity="error", timeout=8)
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._delete(pod.namespace, pod.name)
        from meshtui.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(f"Delete pod {pod.key}?\nIts controller will create a replacement.",
                                           "Delete"), confirmed)

    @work(thread=True, group="delete", exit_on_error=False)
    def _delete(self, namespace: str, name: str) -> None:
        try:
            self.session.cluster.delete_pod(namespace, name)
        except MeshtuiError as exc:
            self.app.call_from_thread(self.app.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"deleted pod {namespace}/{name}")

    def action_refresh(self) -> None:
        if self.session is not None:
            self.attach(self.session)
            self.app.notify("relisting pods, nodes and events")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete_pod" and self.session is not None and self.session.guard.read_only:
            return False
        return True
