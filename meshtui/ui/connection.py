"""The app's connection to a cluster: connect in a worker, attach panels, go offline visibly.

A mixin of `MeshApp`. A thread worker builds a `SessionPort` through the wiring and posts
`Connected`; panels then attach to it. With no reachable cluster (or once the connected
one is torn down) every panel is told so (`show_offline`; the default is a notice line
above it) and the app opens on Setup, where `D` starts the simulated cluster
in-process. Closing a session (stopping its watches and streams) happens in a worker,
never on the event loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from textual import work
from textual.app import App
from textual.widget import Widget
from textual.widgets import Static, TabbedContent

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.ui.messages import ClusterInfoLoaded, Connected
from meshtui.ui.panels.setup import SetupPanel
from meshtui.ui.text import safe_text
from meshtui.ui.widgets.header import ClusterHeader

if TYPE_CHECKING:
    from meshtui.services.ports import SessionPort, WiringPort

    _AppBase = App[None]
else:
    _AppBase = object

W = TypeVar("W", bound=Widget)


@runtime_checkable
class SessionPanel(Protocol):
    """A panel that works on the connected cluster."""

    def attach(self, session: SessionPort) -> None: ...
    def detach(self) -> None: ...
    def show_offline(self, reason: str, hint: str | None = None) -> bool: ...


class ConnectionControls(_AppBase):
    """connect / disconnect / start_demo for MeshApp."""

    wiring: WiringPort
    session: SessionPort | None
    connecting: bool
    demo_options: dict[str, object]
    start_panel: str | None

    if TYPE_CHECKING:
        def panel(self, panel_id: str, kind: type[W]) -> W: ...
        def session_panels(self) -> dict[str, SessionPanel]: ...
        def action_show_panel(self, panel_id: str) -> None: ...
        def start_tour(self) -> None: ...

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

    def _header(self) -> ClusterHeader | None:
        """The header, or None while the app shuts down (a late answer must not crash it)."""
        found = self.query(ClusterHeader)
        return found.first() if found else None

    def on_connected(self, message: Connected) -> None:
        """Named handler (not @on): decorators on a mixin are not collected by Textual."""
        if self._header() is None:  # quitting: nothing to attach to; do not leak the new session
            if message.session is not None:
                self._close_session(message.session)
            return
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
        for panel in self.session_panels().values():
            panel.attach(message.session)
        self.panel("setup", SetupPanel).configure(self.wiring, connected=True)
        if old is not None:
            self._close_session(old)
        self.load_info(message.session)
        self.refresh_bindings()
        # The start panel, unless the user went to another one (not Setup, shown when offline) while connecting.
        start, active = self.start_panel or "overview", self.query_one(TabbedContent).active
        self.action_show_panel(active if active not in (start, "setup", "") else start)
        self.start_tour()

    def disconnect(self, reason: str, hint: str | None = None) -> None:
        """The connected cluster is gone (torn down): tell every panel and open Setup."""
        old, self.session = self.session, None
        self._go_offline(reason, hint)
        if old is not None:
            self._close_session(old)
        self.notify(inert(reason), title="Disconnected", severity="warning", timeout=8, markup=False)

    def _go_offline(self, reason: str, hint: str | None) -> None:
        header = self._header()
        if header is not None:
            header.show(None)
        text = f"○ Not connected: {reason}." + (f" {hint}." if hint else "") + \
            "  Press 5 for Setup: D starts the simulated demo cluster."
        for panel_id, panel in self.session_panels().items():
            panel.detach()
            shown = panel.show_offline(reason, hint)
            notice = self.query_one(f"#offline-{panel_id}", Static)
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

    def on_cluster_info_loaded(self, message: ClusterInfoLoaded) -> None:
        header = self._header()
        if message.session is self.session and header is not None:
            header.show(message.info, message.session.guard.read_only)

    def _header_unreachable(self, session: SessionPort, error: str) -> None:
        from meshtui.services.cluster import ClusterInfo

        ctx, locality, header = session.context, session.guard.locality, self._header()
        if header is None:
            return
        header.show(ClusterInfo(ctx.name, ctx.cluster, ctx.server, locality.provider.value,
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
