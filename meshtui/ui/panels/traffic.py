"""Panel 4, Traffic: any host's routes, edited from the keyboard, applied after a diff.

Keys only change the draft (a list of typed edits, see `traffic_base`) or open a form
(`traffic_writes`); `a` shows the engine's exact diff and applies through the same route
engine as `meshtui routes`, so the CLI and the panel write identical objects. Beside the
routes, the split the traffic really takes, read from the sidecars' logs every 2 s in a worker.
"""

from __future__ import annotations

from textual import on, work
from textual.binding import Binding

from meshtui.domain.routes import edits as E
from meshtui.services.routes.ports import ObserverView
from meshtui.ui.panels.traffic_messages import NamespacesLoaded, ObservationReady, ObserverStarted
from meshtui.ui.panels.traffic_writes import TrafficWrites

STEP = 10


class TrafficPanel(TrafficWrites):
    """Hosts on the left; rules, weight bars and the observed split on the right."""

    BINDINGS = [
        Binding("v", "next_subset", "Subset", id="traffic.subset"),
        Binding("right", "shift_right", "+10%", id="traffic.shift_right"),
        Binding("left", "shift_left", "-10%", id="traffic.shift_left"),
        Binding("S", "preset('stable')", "Stable", id="traffic.preset_stable"),
        Binding("C", "preset('canary')", "Canary 90/10", id="traffic.preset_canary"),
        Binding("H", "preset('half')", "50/50", id="traffic.preset_half"),
        Binding("F", "preset('flip')", "Flip", id="traffic.preset_flip"),
        Binding("B", "preset('bluegreen')", "Blue/green", id="traffic.preset_bluegreen"),
        Binding("m", "form('match')", "Match", id="traffic.match"),
        Binding("f", "form('fault')", "Fault", id="traffic.fault"),
        Binding("M", "form('mirror')", "Mirror", id="traffic.mirror"),
        Binding("r", "form('timeout')", "Timeout/retries", id="traffic.timeout"),
        Binding("b", "form('breaker')", "Breaker", id="traffic.breaker"),
        Binding("a", "apply", "Apply", id="traffic.apply"),
        Binding("d", "discard", "Discard draft", id="traffic.discard"),
        Binding("u", "undo", "Undo", id="traffic.undo"),
        Binding("R", "reset", "Reset", id="traffic.reset"),
        Binding("n", "next_namespace", "Namespace", id="traffic.namespace", show=False),
    ]

    def on_mount(self) -> None:
        self.set_interval(2.0, self._observe)

    # -- the observed split (sidecar logs) ------------------------------------------------
    def _host_selected(self, host: str) -> None:
        self._start_observer(host)

    @work(thread=True, exclusive=True, group="traffic-observer", exit_on_error=False)
    def _start_observer(self, host: str) -> None:
        if self.session is not None:
            self.post_message(ObserverStarted(host, self.session.observer(host, self.namespace)))

    @on(ObserverStarted)
    def _observer_started(self, message: ObserverStarted) -> None:
        if message.host != self.host or self.session is None:
            message.observer.close()
            return
        if self.observer is not None:
            self.observer.close()
        self.observer = message.observer

    def _observe(self) -> None:
        if self.observer is not None and self.host is not None:
            self._read_observation(self.observer, self.host)

    @work(thread=True, exclusive=True, group="traffic-observe", exit_on_error=False)
    def _read_observation(self, observer: ObserverView, host: str) -> None:
        self.post_message(ObservationReady(host, observer.observation()))

    @on(ObservationReady)
    def _observation_ready(self, message: ObservationReady) -> None:
        if message.host == self.host:
            self.observation = message.observation
            self._draw_observed()

    # -- keys -------------------------------------------------------------------------------
    def action_next_subset(self) -> None:
        names = self.loaded.routes.subset_names if self.loaded is not None else []
        if names:
            self.target = names[(names.index(self.target) + 1) % len(names)] if self.target in names else names[0]
            self._draw()

    def action_shift_right(self) -> None:
        if self.target:
            self._edit(E.Shift(self.target, STEP))

    def action_shift_left(self) -> None:
        if self.target:
            self._edit(E.Shift(self.target, -STEP))

    def action_preset(self, name: str) -> None:
        self._edit(E.parse_preset(name))

    def action_discard(self) -> None:
        if self.dirty or self.edits:
            self._discard_draft()
            self._draw()

    def action_next_namespace(self) -> None:
        if self.session is not None:
            self._load_namespaces()

    @work(thread=True, exclusive=True, group="traffic-namespaces", exit_on_error=False)
    def _load_namespaces(self) -> None:
        if self.session is not None:
            self.post_message(NamespacesLoaded(self.session.routes.namespaces()))

    @on(NamespacesLoaded)
    def _namespaces_loaded(self, message: NamespacesLoaded) -> None:
        names = message.namespaces
        if not names:
            self.app.notify("no other namespace", severity="warning")
            return
        index = names.index(self.namespace) if self.namespace in names else -1
        self._switch_namespace(names[(index + 1) % len(names)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        writes = {"apply", "undo", "reset", "shift_right", "shift_left", "preset", "form"}
        if action in writes and self.session is not None and self.session.guard.read_only:
            return False
        return True
