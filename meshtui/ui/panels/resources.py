"""Panel 3, Resources: the host, the Docker containers that are the nodes, and the pods.

One poll at a time: a thread worker samples (and, the first time, builds the usage
sampler: psutil and Docker are IO), posts `UsageSampled`, and the handler schedules
the next poll only after drawing (dolphie's self-rescheduling loop), backing off on
errors. Rows are coloured by how close they are to their limits. Enter on a node
container or node shows that node's pods; Enter on a pod opens its logs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.domain.usage import UsageSnapshot, human_cores, level, shown_label
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.messages import LogsRequested
from meshtui.ui.repaint import FREEZE_AFTER, freeze_survivors, update_static
from meshtui.ui.text import safe_text
from meshtui.ui.widgets.keyed_table import KeyedTable

if TYPE_CHECKING:
    from meshtui.services.ports import SessionPort, UsageSource
    from meshtui.ui.app import MeshApp

INTERVALS = [1.0, 2.0, 5.0, 10.0, 30.0]
TOPS = [10, 25, 50, 0]
SORTS = ["cpu", "memory", "limit"]


class UsageSampled(Message):
    def __init__(self, generation: int, service: UsageSource | None, snapshot: UsageSnapshot | None,
                 error: str | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.service = service
        self.snapshot = snapshot
        self.error = error


def size(value: float | None) -> str:
    if value is None:
        return "-"
    for unit, factor in (("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if value >= factor:
            return f"{value / factor:.1f}{unit}"
    return f"{value:.0f}"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


class ResourcesPanel(ReportsFailures, Vertical):
    """Usage at three levels with sparklines, top-N and thresholds."""

    FAILURE_SOURCE = "Resources"

    BINDINGS = [
        Binding("plus,equals_sign", "faster", "Faster", id="resources.faster"),
        Binding("minus", "slower", "Slower", id="resources.slower"),
        Binding("s", "sort", "Sort", id="resources.sort"),
        Binding("t", "top", "Top-N", id="resources.top"),
        Binding("enter", "drill", "Node's pods / pod's logs", id="resources.drill"),
        Binding("escape", "undrill", "All pods", id="resources.undrill", show=False),
        Binding("m", "metrics_server", "Install metrics-server", id="resources.metrics_server"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: SessionPort | None = None
        self.service: UsageSource | None = None
        self.snapshot: UsageSnapshot | None = None
        self.interval = 2.0
        self.top = 25
        self.sort_by = "cpu"
        self.node_filter: str | None = None
        self.errors = 0
        self.samples = 0
        self._polling = False
        self._resume_on_show = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="host-usage")
        with Horizontal(id="usage-nodes"):
            with Vertical(id="usage-left"):
                yield Static("Node containers (docker)", id="containers-title", classes="section-title")
                yield KeyedTable([("NAME", "name"), ("ROLE", "role"), ("CPU%", "cpu"), ("LAST 10 MIN", "spark"),
                                  ("MEMORY", "mem"), ("MEM%", "memp")], id="node-containers")
            with Vertical(id="usage-right"):
                yield Static("Nodes (metrics.k8s.io)", classes="section-title")
                yield KeyedTable([("NAME", "name"), ("CPU", "cpu"), ("CPU%", "cpup"), ("LAST 10 MIN", "spark"),
                                  ("MEMORY", "mem"), ("MEM%", "memp")], id="node-metrics")
        yield Static("Pods", id="pods-title", classes="section-title")
        yield KeyedTable([("NAMESPACE/POD", "pod"), ("CONTAINER", "container"), ("CPU", "cpu"),
                          ("%REQ", "cpureq"), ("%LIM", "cpulim"), ("MEMORY", "mem"), ("%REQ", "memreq"),
                          ("%LIM", "memlim"), ("CPU, LAST 10 MIN", "spark")], id="pod-usage")
        yield Static("", id="usage-status")

    @property
    def shell(self) -> MeshApp:
        return cast("MeshApp", self.app)

    def settings_interval(self) -> float:
        wanted = float(self.shell.settings.refresh_seconds)
        return min(INTERVALS, key=lambda i: abs(i - wanted))

    # -- session and polling -----------------------------------------------------------
    def attach(self, session: SessionPort) -> None:
        self.detach()
        self.session = session
        self.interval = self.settings_interval()
        self._polling = False
        self._status("first sample…")
        self.poll()

    def detach(self) -> None:
        """Forget the session; the sampler is closed off the event loop."""
        self._generation += 1
        service, self.service, self.session = self.service, None, None
        self.samples = self.errors = 0
        if service is not None:
            self._close(service)

    @work(thread=True, group="usage-close", exit_on_error=False)
    def _close(self, service: UsageSource) -> None:
        service.close()

    def poll(self) -> None:
        """Sample now; while the panel is hidden (another tab is shown) only the first sample is taken: the
        next one waits until the panel is shown again (a sample of 20,000 pods costs the Overview's lag)."""
        if self.session is None or self._polling:
            return
        if self.samples and not self.is_on_screen:
            self._resume_on_show = True
            return
        self._polling = True
        self._sample(self._generation, self.session, self.service, first=self.samples == 0)

    @work(thread=True, exclusive=True, group="usage", exit_on_error=False)
    def _sample(self, generation: int, session: SessionPort, service: UsageSource | None, first: bool) -> None:
        if service is None:
            service = session.usage()
        try:
            snapshot = service.first_complete(2.0) if first else service.sample()
        except MeshtuiError as exc:
            self.post_message(UsageSampled(generation, service, None, exc.message))
            return
        self.post_message(UsageSampled(generation, service, snapshot))

    def worker_failed(self, job: str, error: BaseException) -> None:
        """An unforeseen sampling error (already reported by the app): show it here and keep polling."""
        if job == "usage":
            self._sampled(UsageSampled(self._generation, self.service, None, f"{type(error).__name__}: {error}"))

    @on(UsageSampled)
    def _sampled(self, message: UsageSampled) -> None:
        if message.generation != self._generation:  # from a session we left: close what it built
            if message.service is not None and message.service is not self.service:
                self._close(message.service)
            return
        self._polling = False
        self.service = message.service or self.service
        if message.snapshot is None:
            self.errors += 1
            delay = min(self.interval * (2 ** self.errors), 30.0)
            self._status(f"sampling failed ({message.error}); retrying in {delay:.0f}s")
        else:
            self.errors = 0
            self.samples += 1
            self.snapshot = message.snapshot
            self._draw()
            if self.samples == 1 and len(message.snapshot.pods) >= FREEZE_AFTER:
                self.call_after_refresh(freeze_survivors)  # every pod's usage history lives on
            delay = self.interval
        self.set_timer(delay, self.poll)

    def on_show(self) -> None:
        if self._resume_on_show:
            self._resume_on_show = False
            self.poll()

    # -- drawing -----------------------------------------------------------------------
    def _style(self, value: float | None) -> str:
        theme = self.app.current_theme
        return {"ok": "", "warn": str(theme.warning), "critical": f"bold {theme.error}"}[level(value)]

    def _draw(self) -> None:
        snap, service = self.snapshot, self.service
        if snap is None or service is None:
            return
        theme = self.app.current_theme
        host = Text()
        if snap.host is not None:
            h = snap.host
            host.append("HOST ", style="bold")
            host.append(f"cpu {h.cpu_percent:5.1f}% ", style=self._style(h.cpu_percent))
            host.append(service.series("host/cpu").sparkline(30, 100), style=str(theme.primary))
            host.append("  cores " + " ".join(f"{c:.0f}" for c in h.per_core[:16]))
            host.append(f"  load {h.load[0]:.2f} {h.load[1]:.2f} {h.load[2]:.2f}\n")
            mem_pct = h.mem_used / max(h.mem_total, 1) * 100
            host.append(f"     mem {size(h.mem_used)}/{size(h.mem_total)} ({mem_pct:.0f}%) ", style=self._style(mem_pct))
            host.append(service.series("host/mem").sparkline(30, 100), style=str(theme.secondary))
            host.append(f"  swap {size(h.swap_used)}/{size(h.swap_total)}  disk {h.disk_path} "
                        f"{size(h.disk_used)}/{size(h.disk_total)}  net ↓{size(h.net_rx_rate)}/s ↑{size(h.net_tx_rate)}/s")
        update_static(self.query_one("#host-usage", Static), host, fixed_size=True)
        containers = snap.containers
        table = self.query_one("#node-containers", KeyedTable)
        table.display = bool(containers)
        cluster = service.cluster
        update_static(self.query_one("#containers-title", Static), safe_text(
            f"Node containers (docker, cluster {cluster}): {len(containers)}" if cluster and containers else
            f"Node containers (docker): none for cluster {cluster}" if cluster else
            "Node containers: none (nodes are not Docker containers here)"))
        table.sync(
            {c.name: (safe_text(c.name), safe_text(c.role), Text("…" if c.cpu_percent is None else f"{c.cpu_percent:.1f}"),
                      service.series(f"docker/{c.name}").sparkline(16), size(c.mem_used),
                      Text(pct(c.mem_percent), style=self._style(c.mem_percent))) for c in containers},
            [c.name for c in containers])
        self.query_one("#node-metrics", KeyedTable).sync(
            {n.name: (safe_text(n.name), human_cores(n.cpu), Text(pct(n.cpu_percent), style=self._style(n.cpu_percent)),
                      service.series(f"node/{n.name}").sparkline(16), size(n.memory),
                      Text(pct(n.mem_percent), style=self._style(n.mem_percent))) for n in snap.nodes},
            [n.name for n in snap.nodes])
        self._draw_pods(snap, service)
        self._status()

    def _draw_pods(self, snap: UsageSnapshot, service: UsageSource) -> None:
        pods = [p for p in snap.pods if self.node_filter is None or p.node == self.node_filter]
        keyer = {"cpu": lambda p: -(p.cpu or 0), "memory": lambda p: -(p.memory or 0),
                 "limit": lambda p: -(p.worst_of_limit or 0)}[self.sort_by]
        pods.sort(key=keyer)
        shown = pods if self.top == 0 else pods[:self.top]
        rows = {}
        for p in shown:
            style = self._style(p.worst_of_limit)
            name = f"{p.namespace}/{p.pod}"
            if len(name) > 48:
                name = name[:22] + "…" + name[-25:]
            rows[p.key] = (safe_text(name, style), safe_text(p.container + (" ⇄" if p.sidecar else ""),
                                                             "dim" if p.sidecar else ""),
                           human_cores(p.cpu), pct(p.cpu_of_request),
                           Text(pct(p.cpu_of_limit), style=self._style(p.cpu_of_limit)), size(p.memory),
                           pct(p.mem_of_request), Text(pct(p.mem_of_limit), style=self._style(p.mem_of_limit)),
                           service.series(f"pod/{p.key}").sparkline(16))
        self.query_one("#pod-usage", KeyedTable).sync(rows, [p.key for p in shown])
        where = f" on {self.node_filter}" if self.node_filter else ""
        update_static(self.query_one("#pods-title", Static), safe_text(
            f"Pods{where}: {shown_label(self.top, len(pods))} by {self.sort_by}  (⇄ = sidecar; ≥80% of a limit in "
            f"red; Enter: logs{'; Esc: all nodes' if self.node_filter else ''})"))

    def _status(self, message: str | None = None) -> None:
        status = Text()
        status.append(f"refresh {self.interval:g}s (+/-)  ", style="dim")
        if message:
            status.append(inert(message), style=str(self.app.current_theme.warning))
        elif self.snapshot is not None:
            age = time.time() - self.snapshot.at
            status.append(f"sampled {age:.0f}s ago", style="dim")
            for notice in self.snapshot.notices:
                status.append(f"  ! {inert(notice)}", style=str(self.app.current_theme.warning))
        update_static(self.query_one("#usage-status", Static), status, fixed_size=True)

    # -- actions -----------------------------------------------------------------------
    def action_faster(self) -> None:
        index = INTERVALS.index(self.interval) if self.interval in INTERVALS else 1
        self.interval = INTERVALS[max(0, index - 1)]
        self._status()

    def action_slower(self) -> None:
        index = INTERVALS.index(self.interval) if self.interval in INTERVALS else 1
        self.interval = INTERVALS[min(len(INTERVALS) - 1, index + 1)]
        self._status()

    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self._draw()

    def action_top(self) -> None:
        self.top = TOPS[(TOPS.index(self.top) + 1) % len(TOPS)]
        self._draw()

    def action_drill(self) -> None:
        """Enter (when the focused table did not take it): act on the focused table's row."""
        focused = self.app.focused
        if isinstance(focused, KeyedTable) and focused.id is not None:
            self._open(focused.id, focused.selected_key())
        else:
            self.app.notify("select a row first (Tab moves between tables)", severity="warning")

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(event.data_table.id or "", event.row_key.value)

    def _open(self, table: str, key: str | None) -> None:
        if key is None:
            self.app.notify("the table is empty", severity="warning")
        elif table in ("node-containers", "node-metrics"):
            self.node_filter = key
            if self.snapshot is not None and self.service is not None:
                self._draw_pods(self.snapshot, self.service)
            self.query_one("#pod-usage", KeyedTable).focus()
        elif table == "pod-usage":
            namespace, pod, container = key.split("/", 2)
            self.post_message(LogsRequested(f"pod/{pod} -c ^{container}$", namespace))

    def action_undrill(self) -> None:
        self.node_filter = None
        self._draw()

    def action_metrics_server(self) -> None:
        if self.snapshot is not None and self.snapshot.metrics_available:
            self.app.notify("metrics-server is already serving metrics")
            return
        from meshtui.ui.panels.setup import SetupPanel

        self.shell.action_show_panel("setup")
        self.shell.panel("setup", SetupPanel).action_install_metrics_server()

    def focus_target(self) -> KeyedTable:
        return self.query_one("#pod-usage", KeyedTable)
