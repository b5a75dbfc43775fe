"""The app side of guided tours: start/resume, live condition checks, `show me`, reset.

A mixin of `MeshApp`. Twice a second the app collects what is on screen, and a
thread worker (never overlapping: exclusive group) evaluates the current step's
condition against it and the cluster, then posts `TourEvaluated`; the handler
advances the drawer. Steps advance only by their conditions; `show me` performs the
step, and the condition then notices. Everything that talks to the cluster goes
through `services.tours` (no API paths here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual import work
from textual.app import App
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import TabbedContent

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert, inert_lines
from meshtui.services.tours import ScreenFacts, TourRun, failing_hosts
from meshtui.ui.messages import TourEvaluated
from meshtui.ui.text import safe_markup
from meshtui.ui.widgets.tour_drawer import TourDrawer

if TYPE_CHECKING:
    from meshtui.config.tours import HostRef, LoadedTour
    from meshtui.services.ports import SessionPort

    _AppBase = App[None]
else:
    _AppBase = object

W = TypeVar("W", bound=Widget)
TICK = 0.5
ROUTE_ACTIONS = ("set_weights", "fault", "clear_fault", "breaker")


class TourControls(_AppBase):
    """start_tour / F6 show me / F7 hide / F8 reset for MeshApp."""

    tour_name: str | None
    tour_run: TourRun | None
    session: SessionPort | None

    if TYPE_CHECKING:
        def panel(self, panel_id: str, kind: type[W]) -> W: ...
        def action_show_panel(self, panel_id: str) -> None: ...

    def setup_tour(self) -> None:
        self.tour_run = None
        self.tour_stalled: TourRun | None = None
        self.set_interval(TICK, self._tour_tick)

    def tour_failed(self, job: str, error: BaseException) -> None:
        """A tour job died unexpectedly (the app already reported it): say so in the drawer, stop re-checking."""
        run = self.tour_run
        if run is None:
            return
        if job == "tour":  # a condition check: checking again twice a second would repeat the error
            self.tour_stalled = run
        drawer = self._drawer()
        if drawer is not None:
            drawer.show_run(run, f"{type(error).__name__}: {error} — checks paused; F6 or F8 tries again "
                                 "(details in the log file)")

    def start_tour(self) -> None:
        """Called once connected: load the named tour and resume or begin it."""
        if not self.tour_name or self.session is None:
            return
        self._begin_tour(self.tour_name, self.session)

    @work(thread=True, exclusive=True, group="tour-start", exit_on_error=False)
    def _begin_tour(self, name: str, session: SessionPort) -> None:
        from meshtui.config.tours import find_tour

        try:
            loaded: LoadedTour = find_tour(name)
            run = TourRun.start(loaded, session)
        except MeshtuiError as exc:
            self.call_from_thread(self.notify, safe_markup(exc.message + (f"\n{exc.hint}" if exc.hint else "")),
                                  title="tour", severity="error", timeout=10)
            return
        self.call_from_thread(self._tour_ready, run)

    def _drawer(self) -> TourDrawer | None:
        """The drawer, or None while the app shuts down (a late tour message must not crash it)."""
        found = self.query(TourDrawer)
        return found.first() if found else None

    def _tour_ready(self, run: TourRun) -> None:
        self.tour_run = run
        drawer = self._drawer()
        if drawer is not None:
            drawer.display = True
            drawer.show_run(run)  # the drawer names the step's panel; switching is the user's move
        self._tour_notices(run)

    def _tour_notices(self, run: TourRun) -> None:
        """Say once what reading the progress file found (a damaged one moved aside)."""
        for notice in run.take_notices():
            self.notify(inert_lines(notice), title="tour progress", severity="warning", timeout=15, markup=False)

    def collect_facts(self) -> ScreenFacts:
        """What is on screen now (in-memory reads only: this runs on the event loop)."""
        from meshtui.ui.panels.logs import LogsPanel
        from meshtui.ui.panels.overview import OverviewPanel
        from meshtui.ui.panels.resources import ResourcesPanel
        from meshtui.ui.panels.setup import SetupPanel
        from meshtui.ui.panels.traffic import TrafficPanel

        overview, logs = self.panel("overview", OverviewPanel), self.panel("logs", LogsPanel)
        resources, traffic = self.panel("resources", ResourcesPanel), self.panel("traffic", TrafficPanel)
        pod = overview.selected_pod() if self.session is not None else None
        lines = list(logs.view.lines)[-300:]
        snapshot = resources.snapshot
        return ScreenFacts(panel=str(self.query_one(TabbedContent).active), selected_app=pod.app if pod else None,
                           logs_pods=frozenset(line.pod for line in lines), failing_hosts=failing_hosts(lines),
                           pivoted=logs.last_pivot is not None,
                           usage_rows=len(snapshot.pods) if snapshot is not None and snapshot.pods else 0,
                           traffic_host=traffic.host if traffic.draft is not None else None,
                           plan_profile=self.panel("setup", SetupPanel).plan_profile)

    def _tour_tick(self) -> None:
        run = self.tour_run
        if run is None or run.finished or run is self.tour_stalled:
            return
        try:
            facts = self.collect_facts()
        except NoMatches:  # the app is shutting down and its widgets are gone
            return
        self._evaluate(run, facts)

    @work(thread=True, exclusive=True, group="tour", exit_on_error=False)
    def _evaluate(self, run: TourRun, facts: ScreenFacts) -> None:
        try:
            moved = run.advance_if_done(facts)
        except MeshtuiError as exc:
            self.post_message(TourEvaluated(run, False, exc.message))
            return
        if moved:
            self.post_message(TourEvaluated(run, True))

    def on_tour_evaluated(self, message: TourEvaluated) -> None:
        drawer = self._drawer()
        if message.run is not self.tour_run or drawer is None:
            return
        drawer.show_run(message.run, message.error or "")
        self._tour_notices(message.run)
        if message.moved:
            title = message.run.loaded.tour.title
            if message.run.finished:
                self.notify(f"tour “{inert(title)}” finished — F8 resets it", title="tour", markup=False)
            else:
                self.notify(f"step done — next: {inert(message.run.step.title)}", title="tour", timeout=4,
                            markup=False)

    # -- keys --------------------------------------------------------------------------
    def action_tour_show_me(self) -> None:
        from meshtui.ui.panels.logs import LogsPanel
        from meshtui.ui.panels.overview import OverviewPanel
        from meshtui.ui.panels.setup import SetupPanel
        from meshtui.ui.panels.traffic import TrafficPanel

        run = self.tour_run
        if run is None or run.finished:
            self.notify("no tour step to show (meshtui tour --list)", severity="warning")
            return
        self.tour_stalled = None
        show = run.step.show_me
        if show is None:
            self.notify("this step has no show-me; follow the hint", severity="warning")
            return
        kind, value = show.kind, show.value
        if kind == "show_panel":
            self.action_show_panel(value)
        elif kind == "select_pod":
            self.action_show_panel("overview")
            self.panel("overview", OverviewPanel).select_app(value.app, value.namespace)
        elif kind in ("logs_for", "pivot"):
            self.action_show_panel("logs")
            self.panel("logs", LogsPanel).open_query(value.app, value.namespace)
        elif kind == "logs_query":
            self.action_show_panel("logs")
            self.panel("logs", LogsPanel).open_query(value.query, value.namespace)
        elif kind == "show_host":
            self.action_show_panel("traffic")
            self.panel("traffic", TrafficPanel).select_host(value.host)
        elif kind == "show_plan":
            self.action_show_panel("setup")
            self.panel("setup", SetupPanel).show_plan(value)
        elif kind in ROUTE_ACTIONS:
            self.action_show_panel(run.step.panel)
            self._perform(run, kind, value)
        else:
            self.notify(f"show me cannot do “{inert(kind)}” yet; follow the hint", severity="warning", markup=False)

    @work(thread=True, exclusive=True, group="tour-act", exit_on_error=False)
    def _perform(self, run: TourRun, kind: str, value: HostRef) -> None:
        try:
            run.perform_routes(kind, value)
        except MeshtuiError as exc:
            self.call_from_thread(self.notify, safe_markup(exc.message), title="show me", severity="error")
            return
        self.call_from_thread(self.notify, f"done: {kind.replace('_', ' ')} on {inert(value.host)}", title="show me",
                              markup=False)

    def action_tour_toggle(self) -> None:
        drawer = self.query_one(TourDrawer)
        if self.tour_run is None:
            self.notify("no tour running: meshtui tour --list", severity="warning")
            return
        drawer.display = not drawer.display

    def action_tour_reset(self) -> None:
        run = self.tour_run
        if run is None:
            self.notify("no tour running", severity="warning")
            return
        from meshtui.ui.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.tour_stalled = None
                self._reset(run)

        self.push_screen(ConfirmScreen("Reset the tour?\nRoutes it changed go back to how they were when it "
                                       "started; nothing else is touched.", "Reset"), confirmed)

    @work(thread=True, exclusive=True, group="tour-act", exit_on_error=False)
    def _reset(self, run: TourRun) -> None:
        try:
            done = run.reset()
        except MeshtuiError as exc:
            self.call_from_thread(self.notify, safe_markup(exc.message), title="tour reset", severity="error")
            return
        self.call_from_thread(self.notify, inert_lines("\n".join(done)) or "nothing to reset", title="tour reset", timeout=8,
                              markup=False)
        self.post_message(TourEvaluated(run, True))
