"""The Traffic panel's widgets and drawing: the host table, the rules, the observed split, the status line.

`TrafficView` holds the panel's state (the cluster's routes as the engine loaded them,
the draft as a plan of edits, the observed split) and draws it through the pure
functions of `traffic_render`; it never reads anything itself. `clear()` empties every
area that shows one host, so a namespace switch never leaves the previous host on screen.

The layout follows the panel's own width (the terminal, minus a tour drawer): the host
list narrows below 150 columns and moves above the routes below 120, and the weight bars
shrink, so the observed table's columns (REQUESTS, SUCCESS, P50, P95) stay on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.panels.traffic_render import BAR, Palette, observed_rows, rules_text, title_text
from meshtui.ui.repaint import update_static
from meshtui.ui.widgets.keyed_table import KeyedTable

if TYPE_CHECKING:  # types only: the observer and the route engine load when the panel first needs them
    from meshtui.domain.routes import Routes
    from meshtui.domain.routes import edits as E
    from meshtui.services.observe import Observation
    from meshtui.services.routes import HostSummary, Loaded, Plan
    from meshtui.services.routes.ports import ObserverView, TrafficSession, WatchView

WIDE, NARROW = 150, 120


class TrafficView(ReportsFailures, Horizontal):
    """Hosts on the left; rules, weight bars and the observed split on the right."""

    FAILURE_SOURCE = "Traffic"

    DEFAULT_CSS = """
    TrafficPanel #traffic-rules { height: auto; }
    TrafficPanel #observed-title { height: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: TrafficSession | None = None
        self.namespace: str | None = None
        self.hosts: list[HostSummary] = []
        self.host: str | None = None
        self.loaded: Loaded | None = None
        self.edits: list[E.Edit] = []
        self.plan: Plan | None = None
        self.stale: str | None = None
        self.clashes: dict[tuple, str] = {}
        """Fields the draft sets that someone else changed since (path -> notice), shown again before applying."""
        self.target: str | None = None
        self.observer: ObserverView | None = None
        self.observation: Observation | None = None
        self.route_watch: WatchView | None = None
        self._reads = 0  # route reads started; only the newest one's answer is shown
        self.last_applied: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="traffic-left"):
            yield Static("Hosts", id="hosts-title", classes="section-title")
            yield KeyedTable([("HOST", "host"), ("TRAFFIC", "weights"), ("", "mark")], id="hosts")
        with Vertical(id="traffic-main"):
            yield Static("", id="traffic-title")
            yield Static("", id="traffic-rules")
            yield Static("Observed split (sidecar logs, last 60 s) · CONFIGURED = in the cluster · "
                         "DRAFT = not applied", classes="section-title", id="observed-title")
            yield KeyedTable([("SUBSET", "subset"), ("CONFIGURED", "configured"), ("DRAFT", "draft"),
                              ("OBSERVED", "observed"), ("REQUESTS", "requests"), ("SUCCESS", "success"),
                              ("P50", "p50"), ("P95", "p95")], id="observed")
            yield Static("", id="traffic-status")

    def focus_target(self) -> KeyedTable:
        return self.query_one("#hosts", KeyedTable)

    def on_resize(self, event: events.Resize) -> None:
        """Inline layout for the width at hand (inline styles win over the app's stylesheet; cleared when wide)."""
        width = event.size.width
        left = self.query_one("#traffic-left")
        if width >= WIDE:
            for widget, rules in ((self, ("layout",)), (left, ("width", "height"))):
                for rule in rules:
                    widget.styles.clear_rule(rule)
        elif width >= NARROW:
            self.styles.clear_rule("layout")
            left.styles.clear_rule("height")
            left.styles.width = 32
        else:
            self.styles.layout = "vertical"
            left.styles.width = "100%"
            left.styles.height = 8
        self._draw()

    def bar_width(self) -> int:
        """Weight bars fit the rules area: its width minus the label and percent columns."""
        width = self.query_one("#traffic-rules", Static).size.width
        return max(6, min(BAR, width - 40)) if width else BAR

    # -- the model -----------------------------------------------------------------------
    @property
    def draft(self) -> Routes | None:
        """The routes as they would be after the draft (the cluster's when there is none)."""
        if self.plan is not None:
            return self.plan.after
        return self.loaded.base if self.loaded is not None else None

    @property
    def dirty(self) -> bool:
        return self.stale is not None or (self.plan is not None and self.plan.changed)

    # -- drawing ---------------------------------------------------------------------------
    def palette(self) -> Palette:
        theme = self.app.current_theme
        return Palette(str(theme.accent), str(theme.primary), str(theme.warning), str(theme.error),
                       str(theme.success), str(theme.secondary))

    def clear(self, message: str = "") -> None:
        """Nothing of a host on screen (a namespace switch, a host that is still loading)."""
        update_static(self.query_one("#traffic-title", Static), Text(inert(f"{self.namespace or ''}"), style="bold"))
        update_static(self.query_one("#traffic-rules", Static), Text(inert(message), style="dim"))
        self.query_one("#observed", KeyedTable).sync({}, [])
        self._status("")

    def _draw(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        palette, cluster = self.palette(), loaded.view
        shown = self.plan.view if self.plan is not None else cluster
        update_static(self.query_one("#traffic-title", Static),
            title_text(shown, self.target, dirty=self.dirty, stale=self.stale, undo_depth=loaded.undo_depth,
                       palette=palette))
        rules = Text("Draft — not applied\n" if self.plan is not None else "In the cluster\n", style="dim italic")
        rules.append_text(rules_text(shown, cluster if self.plan is not None else None, self.target, palette,
                                     self.bar_width()))
        update_static(self.query_one("#traffic-rules", Static), rules)
        if self.stale:
            self._status(f"✘ the draft no longer fits: {self.stale} (d discards it)", "error")
        elif self.plan is not None and self.plan.findings:
            errors = any(f.level == "error" for f in self.plan.findings)
            self._status("  ".join(f"{'✘' if f.level == 'error' else '!'} {f.message}" for f in self.plan.findings),
                         "error" if errors else "warning")
        elif self.last_applied:
            self._status(self.last_applied, "success")
        else:
            self._status("")
        self._draw_observed()

    def _draw_observed(self) -> None:
        if self.loaded is None:
            return
        rows = observed_rows(self.observation, self.loaded.view, self.plan.view if self.plan is not None else None)
        self.query_one("#observed", KeyedTable).sync(rows, sorted(rows))

    def _status(self, message: str, level: str = "info") -> None:
        palette = self.palette()
        colour = {"error": palette.error, "warning": palette.warning, "success": palette.success}.get(level, "")
        update_static(self.query_one("#traffic-status", Static), Text(inert(message), style=colour))

    def worker_failed(self, job: str, error: BaseException) -> None:
        summary = error.message if isinstance(error, MeshtuiError) else f"{type(error).__name__}: {error}"
        self._status(f"✘ {job} failed: {summary}", "error")
        if self.loaded is None:
            self.query_one("#traffic-rules", Static).update(Text(inert(f"could not load: {summary}"), style="dim"))
