"""MeshApp: the header, the panels by number key, help, palette, themes, and the session.

The app owns the connection (`ConnectionControls`, in `ui/connection.py`): panels attach
to the session it makes, and are told when there is none. Every worker failure reaches
the status line, a notification and the log file; thread workers get an executor sized
for IO, so a slow API server never queues file-only jobs behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeVar, cast, overload

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from meshtui.config import paths
from meshtui.domain.text import inert
from meshtui.services import logfile
from meshtui.ui.actions import ActionInfo, describe_bindings
from meshtui.ui.connection import ConnectionControls, SessionPanel
from meshtui.ui.failures import ReportsFailures, WorkerFailed
from meshtui.ui.key_routing import KeyRouter
from meshtui.ui.messages import Connected, DescribeLoaded, LogsRequested
from meshtui.ui.panels.logs import LogsPanel
from meshtui.ui.panels.overview import OverviewPanel
from meshtui.ui.panels.resources import ResourcesPanel
from meshtui.ui.panels.setup import SetupPanel
from meshtui.ui.panels.traffic import TrafficPanel
from meshtui.ui.tour import TourControls
from meshtui.ui.widgets.footer import KeyBar
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


class MeshApp(KeyRouter, ReportsFailures, ConnectionControls, TourControls, App[None]):
    """The meshtui terminal app."""

    FAILURE_SOURCE = "meshtui"

    CSS_PATH = "styles/app.tcss"
    TITLE = "meshtui"
    COMMANDS = App.COMMANDS | {PanelCommands}
    BINDINGS = [
        # the tabs show "1 Overview  2 Logs …": the footer does not repeat them (fewer keys to rebuild per switch)
        *[Binding(p.key, f"show_panel('{p.id}')", p.title, id=f"app.{p.id}", show=False) for p in PANELS],
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
        self._unmounted: dict[str, Widget] = {}
        """Panels built but not mounted yet (all but the first shown, until just after the first frame)."""
        self.read_only = wiring.read_only
        self.connecting = False
        for theme in THEMES:  # before the first CSS pass: setting it after mount styles every widget twice
            self.register_theme(theme)
        self.theme = settings.theme if settings.theme in self.available_themes else "meshtui-dark"

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Only the panel shown first is in the first frame; the others are built now (so `panel()` answers at
        # once) and mounted right after it (first frame of the demo 2.47 -> 2.25 times a bare Textual app's).
        shown = self.start_panel or PANELS[0].id
        self._unmounted = {spec.id: spec.widget(id=f"panel-{spec.id}") for spec in PANELS if spec.id != shown}
        yield ClusterHeader(id="header")
        with Horizontal(id="body"):
            with TabbedContent(initial=shown, id="panels"):
                for spec in PANELS:
                    with TabPane(f"{spec.key} {spec.title}", id=spec.id):
                        yield Static("", id=f"offline-{spec.id}", classes="offline-notice", markup=False)
                        if spec.id == shown:
                            yield spec.widget(id=f"panel-{spec.id}")
            yield TourDrawer(id="tour-drawer")
        yield Static("", id="status-line", markup=False)
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        # Thread workers run on the loop's default executor, which has cpu+4 threads (6 on a
        # 2-core laptop): with a slow API server, six workers waiting on it would queue a
        # file-only job (a profile's plan) behind them for minutes. Workers are IO-bound.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="meshtui-worker"))
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.query_one(TourDrawer).display = False
        self.query_one("#status-line", Static).display = False
        for notice in self.query(".offline-notice"):
            notice.display = False
        self.setup_tour()
        # The first frame goes first; then the other panels, the heavy imports, in this (the main) thread, one
        # module per loop turn, and only then the worker that connects: threads never import the HTTP stack
        # side by side, and every panel is mounted before a session reaches it.
        self.call_after_refresh(self._mount_other_panels)

    async def _mount_other_panels(self) -> None:
        for panel_id, widget in list(self._unmounted.items()):
            pane = self.query(f"#{panel_id}").results(TabPane)
            target = next(pane, None)
            if target is None or not target.is_attached:
                return  # the app is closing (`q` pressed at once): nothing to mount into
            await target.mount(widget)
            del self._unmounted[panel_id]
        self._preload_then_connect(self.wiring.preload_steps())

    def _preload_then_connect(self, steps: list[Callable[[], None]]) -> None:
        if steps:
            steps.pop(0)()
            self.call_later(self._preload_then_connect, steps)
        else:
            self.connect(demo=self.demo)

    @overload
    def panel(self, panel_id: str) -> Widget: ...
    @overload
    def panel(self, panel_id: str, kind: type[W]) -> W: ...

    def panel(self, panel_id: str, kind: type[Widget] = Widget) -> Widget:
        """The panel widget with `panel_id`, checked to be a `kind` (built, if not yet mounted: a key pressed
        before the first frame's successor still finds it)."""
        widget = self._unmounted.get(panel_id)
        if widget is None:
            return self.query_one(f"#panel-{panel_id}", kind)
        if not isinstance(widget, kind):
            raise TypeError(f"panel {panel_id} is a {type(widget).__name__}, not a {kind.__name__}")
        return widget

    def session_panels(self) -> dict[str, SessionPanel]:
        """The panels that work on the connected cluster, by id (all but Setup)."""
        return {spec.id: panel for spec in PANELS if isinstance(panel := self.panel(spec.id), SessionPanel)}

    def worker_failed(self, job: str, error: BaseException) -> None:
        if job == "connect":  # an unexpected error while connecting: offline, not "connecting…" forever
            self.post_message(Connected(None, f"{type(error).__name__}: {error}"))
        elif job == "info" and self.session is not None:
            self._header_unreachable(self.session, str(error))
        elif job.startswith("tour"):
            self.tour_failed(job, error)

    # -- actions -----------------------------------------------------------------------
    def action_show_panel(self, panel_id: str) -> None:
        self.query_one(TabbedContent).active = panel_id
        self._focus_panel(panel_id)

    def _focus_panel(self, panel_id: str) -> None:
        """Focus what the shown panel says; a panel still being mounted is focused once it is."""
        if self.query_one(TabbedContent).active != panel_id:
            return  # another panel was chosen meanwhile
        panel = self.panel(panel_id)
        if not panel.is_mounted:
            self.call_after_refresh(self._focus_panel, panel_id)
            return
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

    async def action_quit(self) -> None:
        """Quit, unless a panel holds unapplied work: it asks first (`confirm_quit`) and quits on yes."""
        for spec in PANELS:
            confirm = getattr(self.panel(spec.id), "confirm_quit", None)
            if confirm is not None and confirm():
                return
        self.exit()

    def action_help(self) -> None:
        from meshtui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.all_actions(), self.read_only))

    def action_toggle_theme(self) -> None:
        self.theme = "meshtui-light" if self.theme != "meshtui-light" else "meshtui-dark"
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
