"""MeshApp: the header, the panels by number key, help, palette, themes, and the session.

The app owns the connection: a thread worker builds a `SessionPort` through the wiring
and posts `Connected`; panels then attach to it. With no reachable cluster (or once the
connected one is torn down) every panel is told so (`show_offline`) and the app opens
on Setup, where `D` starts the simulated cluster in-process and reconnects. Closing a
session (stopping its watches and streams) happens in a worker, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar, cast, overload, runtime_checkable

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Footer, Static, TabbedContent, TabPane

from meshtui.config import paths
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.services import logfile
from meshtui.ui.actions import ActionInfo, describe_bindings
from meshtui.ui.failures import ReportsFailures, WorkerFailed
from meshtui.ui.messages import ClusterInfoLoaded, Connected, DescribeLoaded, LogsRequested
from meshtui.ui.panels.logs import LogsPanel
from meshtui.ui.panels.overview import OverviewPanel
from meshtui.ui.panels.resources import ResourcesPanel
from meshtui.ui.panels.setup import SetupPanel
from meshtui.ui.panels.traffic import TrafficPanel
from meshtui.ui.text import safe_text
from meshtui.ui.tour import TourControls
from meshtui.ui.widgets.header import ClusterHeader
from meshtui.ui.widgets.tour_drawer import TourDrawer

if TYPE_CHECKING:
    from meshtui.config.settings import UserSettings
    from meshtui.services.ports import SessionPort, WiringPort

W = TypeVar("W", bound=Widget)
WORKER_THREADS = 48


@dataclass(frozen=True)
class PanelSpec:
    id: str
    title: str
    key: str
    widget: type[Widget]


PANELS = [
    PanelSpec("overview", "Overview", "1", OverviewPanel),
    PanelSpec("logs", "Logs", "2", LogsPanel),
    PanelSpec("resources", "Resources", "3", ResourcesPanel),
    PanelSpec("traffic", "Traffic", "4", TrafficPanel),
    PanelSpec("setup", "Setup", "5", SetupPanel),
]

THEMES = [
    Theme(name="meshtui-dark", primary="#4EA8DE", secondary="#7B61FF", accent="#F2A541", warning="#F2C14E",
          error="#E5484D", success="#46A758", background="#12161C", surface="#1A2029", panel="#222A35", dark=True),
    Theme(name="meshtui-light", primary="#0B6BCB", secondary="#6E56CF", accent="#C2410C", warning="#B45309",
          error="#C62828", success="#2E7D32", background="#F7F8FA", surface="#FFFFFF", panel="#E8ECF2", dark=False),
]


@runtime_checkable
class SessionPanel(Protocol):
    """A panel that works on the connected cluster."""

    def attach(self, session: SessionPort) -> None: ...
    def detach(self) -> None: ...
    def show_offline(self, reason: str, hint: str | None = None) -> bool: ...


class PanelCommands(Provider):
    """Every action of every panel in the command palette (ctrl+p)."""

    def _entries(self) -> Iterable[tuple[str, str, Callable[[], None]]]:
        app = cast(MeshApp, self.app)
        for info in app.all_actions():
            if info.panel == "App":
                continue
            label = f"{info.panel}: {info.description}"
            help_text = f"key {info.key} · {info.id}" + (" · writes to the cluster" if info.write else "")
            yield label, help_text, partial(app.run_panel_action, info)

    async def discover(self) -> Hits:
        for label, help_text, callback in self._entries():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, callback in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)


class MeshApp(ReportsFailures, TourControls, App[None]):
    """The meshtui terminal app."""

    FAILURE_SOURCE = "meshtui"

    CSS_PATH = "styles/app.tcss"
    TITLE = "meshtui"
    COMMANDS = App.COMMANDS | {PanelCommands}
    BINDINGS = [
        *[Binding(p.key, f"show_panel('{p.id}')", p.title, id=f"app.{p.id}") for p in PANELS],
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("T", "toggle_theme", "Theme", id="app.theme", show=False),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("f6", "tour_show_me", "Tour: show me", id="app.tour_show_me", show=False),
        Binding("f7", "tour_toggle", "Tour: hide/show", id="app.tour_toggle", show=False),
        Binding("f8", "tour_reset", "Tour: reset", id="app.tour_reset", show=False),
    ]

    def __init__(self, wiring: WiringPort, settings: UserSettings, *, demo: bool = False,
                 start_panel: str | None = None, demo_options: dict[str, object] | None = None,
                 tour: str | None = None) -> None:
        super().__init__()
        self.tour_name = tour
        self.wiring = wiring
        self.settings = settings
        self.demo = demo
        self.demo_options = demo_options or {}
        self.start_panel = start_panel
        self.session: SessionPort | None = None
        self.read_only = wiring.read_only
        self.connecting = False

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ClusterHeader(id="header")
        with Horizontal(id="body"):
            with TabbedContent(initial=self.start_panel or PANELS[0].id, id="panels"):
                for spec in PANELS:
                    with TabPane(f"{spec.key} {spec.title}", id=spec.id):
                        yield Static("", id=f"offline-{spec.id}", classes="offline-notice", markup=False)
                        yield spec.widget(id=f"panel-{spec.id}")
            yield TourDrawer(id="tour-drawer")
        yield Static("", id="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # Thread workers run on the loop's default executor, which has cpu+4 threads (6 on a
        # 2-core laptop): with a slow API server, six workers waiting on it would queue a
        # file-only job (a profile's plan) behind them for minutes. Workers are IO-bound.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="meshtui-worker"))
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self.settings.theme if self.settings.theme in self.available_themes else "meshtui-dark"
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.query_one(TourDrawer).display = False
        self.query_one("#status-line", Static).display = False
        for notice in self.query(".offline-notice"):
            notice.display = False
        self.setup_tour()
        self.connect(demo=self.demo)

    @overload
    def panel(self, panel_id: str) -> Widget: ...
    @overload
    def panel(self, panel_id: str, kind: type[W]) -> W: ...

    def panel(self, panel_id: str, kind: type[Widget] = Widget) -> Widget:
        """The panel widget with `panel_id`, checked to be a `kind`."""
        return self.query_one(f"#panel-{panel_id}", kind)

    def session_panels(self) -> list[SessionPanel]:
        return [panel for spec in PANELS if isinstance(panel := self.panel(spec.id), SessionPanel)]

    # -- connection --------------------------------------------------------------------
    def connect(self, demo: bool = False) -> None:
        """(Re)connect in the background to the wiring's cluster, or to the demo cluster (started if needed)."""
        self.connecting = True
        self._connect(demo, dict(self.demo_options))

    @work(thread=True, exclusive=True, group="connect", exit_on_error=False)
    def _connect(self, demo: bool, demo_options: dict[str, object]) -> None:
        try:
            if demo:
                self.wiring.start_demo(**demo_options)
            session = self.wiring.session()
        except MeshtuiError as exc:
            self.post_message(Connected(None, exc.message, exc.hint))
            return
        self.post_message(Connected(session))

    def worker_failed(self, job: str, error: BaseException) -> None:
        if job == "connect":  # an unexpected error while connecting: offline, not "connecting…" forever
            self.post_message(Connected(None, f"{type(error).__name__}: {error}"))
        elif job == "info" and self.session is not None:
            self._header_unreachable(self.session, str(error))
        elif job.startswith("tour"):
            self.tour_failed(job, error)

    @on(Connected)
    def _connected(self, message: Connected) -> None:
        self.connecting = False
        if message.session is None:
            error = message.error or "no cluster"
            if self.session is not None:  # switching failed: stay on the cluster we have
                self.notify(inert(error) + (f"\n{inert(message.hint)}" if message.hint else ""),
                            title="Could not connect", severity="error", timeout=10, markup=False)
                return
            self._go_offline(error, message.hint)
            self.notify(inert(error), title="Not connected", severity="warning", timeout=8, markup=False)
            return
        old, self.session = self.session, message.session
        for notice in self.query(".offline-notice"):
            notice.display = False
        for panel in self.session_panels():
            panel.attach(message.session)
        self.panel("setup", SetupPanel).configure(self.wiring, connected=True)
        if old is not None:
            self._close_session(old)
        self.load_info(message.session)
        self.refresh_bindings()
        self.action_show_panel(self.start_panel or "overview")
        self.start_tour()

    def disconnect(self, reason: str, hint: str | None = None) -> None:
        """The connected cluster is gone (torn down): tell every panel and open Setup."""
        old, self.session = self.session, None
        self._go_offline(reason, hint)
        if old is not None:
            self._close_session(old)
        self.notify(inert(reason), title="Disconnected", severity="warning", timeout=8, markup=False)

    def _go_offline(self, reason: str, hint: str | None) -> None:
        self.query_one(ClusterHeader).show(None)
        text = f"○ Not connected: {reason}." + (f" {hint}." if hint else "") + \
            "  Press 5 for Setup: D starts the simulated demo cluster."
        for spec in PANELS:
            panel = self.panel(spec.id)
            if isinstance(panel, SessionPanel):
                panel.detach()
                shown = panel.show_offline(reason, hint)
                notice = self.query_one(f"#offline-{spec.id}", Static)
                notice.update(safe_text(text))
                notice.display = not shown
        self.panel("setup", SetupPanel).configure(self.wiring, connected=False, error=reason)
        self.action_show_panel("setup")

    @work(thread=True, group="close-session", exit_on_error=False)
    def _close_session(self, session: SessionPort) -> None:
        session.close()

    @work(thread=True, exclusive=True, group="info", exit_on_error=False)
    def load_info(self, session: SessionPort) -> None:
        self.post_message(ClusterInfoLoaded(session, session.cluster.info()))

    @on(ClusterInfoLoaded)
    def _info_loaded(self, message: ClusterInfoLoaded) -> None:
        if message.session is self.session:
            self.query_one(ClusterHeader).show(message.info, message.session.guard.read_only)

    def _header_unreachable(self, session: SessionPort, error: str) -> None:
        from meshtui.services.cluster import ClusterInfo

        ctx, locality = session.context, session.guard.locality
        self.query_one(ClusterHeader).show(ClusterInfo(ctx.name, ctx.cluster, ctx.server, locality.provider.value,
                                                       locality.badge.value, locality.reason, reachable=False,
                                                       error=error), session.guard.read_only)

    def start_demo(self) -> None:
        """Switch to the simulated cluster (started in this process); asks first when leaving another cluster."""
        session = self.session
        if session is not None and self.wiring.is_demo(session.context):
            self.notify("already on the demo cluster")
            return
        if self.connecting:
            self.notify("already connecting…", severity="warning")
            return
        if session is None:
            self._switch_to_demo()
            return
        from meshtui.ui.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._switch_to_demo()

        self.push_screen(ConfirmScreen(f"Leave {inert(session.context.name)} for the simulated demo cluster?\n"
                                       "It starts in this process; nothing on your cluster changes.",
                                       "Start demo"), confirmed)

    def _switch_to_demo(self) -> None:
        self.notify("starting the simulated cluster…")
        self.connect(demo=True)

    # -- actions -----------------------------------------------------------------------
    def action_show_panel(self, panel_id: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = panel_id
        panel = self.panel(panel_id)
        focus = getattr(panel, "focus_target", None)
        target = focus() if callable(focus) else None
        if target is None:
            tables = panel.query("DataTable")
            target = tables.first() if tables else None
        if target is not None:
            target.focus()

    def all_actions(self) -> list[ActionInfo]:
        keymap = dict(self.settings.keymap or {})
        actions = describe_bindings("App", list(self.BINDINGS), keymap)
        for spec in PANELS:
            actions += describe_bindings(spec.title, list(spec.widget.BINDINGS), keymap)
        return actions

    def action_help(self) -> None:
        from meshtui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.all_actions(), self.read_only))

    def action_toggle_theme(self) -> None:
        self.theme = "meshtui-light" if self.theme != "meshtui-light" else "meshtui-dark"
        overview = self.panel("overview", OverviewPanel)
        overview._invalidate()
        overview._schedule_render()
        self.notify(f"theme: {self.theme}")

    def run_panel_action(self, info: ActionInfo) -> None:
        """Palette entry point: switch to the panel, then run its action."""
        spec = next(p for p in PANELS if p.title == info.panel)
        self.action_show_panel(spec.id)
        self.call_later(self.panel(spec.id).run_action, info.action)

    @on(WorkerFailed)
    def _worker_failed(self, message: WorkerFailed) -> None:
        """Status line + notification; the traceback goes to the log file (queued, no IO here)."""
        error = message.error
        logging.getLogger("meshtui.ui").error("%s: %s failed: %s", message.source, message.job, message.summary,
                                              exc_info=(type(error), error, error.__traceback__))
        where = logfile.log_path(paths.state_dir())
        line = inert(f"✘ {message.source}: {message.summary}")
        status = self.query_one("#status-line", Static)
        status.update(f"{line}   (details: {where})")
        status.display = True
        self.notify(f"{line}\ndetails: {where}", title=f"{message.source}: {message.job} failed", severity="error",
                    timeout=10, markup=False)

    @on(DescribeLoaded)
    def _describe_loaded(self, message: DescribeLoaded) -> None:
        from meshtui.ui.screens.text_view import TextViewScreen

        self.push_screen(TextViewScreen(message.title, message.text, "yaml"))

    @on(LogsRequested)
    def _logs_requested(self, message: LogsRequested) -> None:
        self.action_show_panel("logs")
        self.panel("logs", LogsPanel).open_query(message.query, message.target_namespace)

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()
