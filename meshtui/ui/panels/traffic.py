"""Panel 4, Traffic: any host's routes, edited from the keyboard, applied after a diff.

Keys only change the draft (a list of typed edits, see `traffic_base`) or open a form
(`traffic_writes`); `a` shows the engine's exact diff and applies through the same route
engine as `meshtui routes`, so the CLI and the panel write identical objects. Beside the
routes, the split the traffic really takes, read from the sidecars' logs every 2 s in a
worker (which also re-reads the undo depth: the history file is shared with the CLI).

The footer shows the keys used most, grouped (shift, presets, edit forms); every key,
with what it does, is in `?` help and the command palette. Presets send the canary share
to the target subset (`v`). Quitting with an unapplied draft asks first.
"""

from __future__ import annotations

from textual import on, work
from textual.binding import Binding

from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.domain.text import inert
from meshtui.services.routes.ports import ObserverView
from meshtui.ui.panels.traffic_messages import (
    NamespacesLoaded,
    ObservationReady,
    ObserverStarted,
    UndoDepthRead,
)
from meshtui.ui.panels.traffic_writes import TrafficWrites

STEP = 10
SHIFT = Binding.Group("±10%")
PRESET = Binding.Group("Presets")
EDIT = Binding.Group("Edit")


class TrafficPanel(TrafficWrites):
    """Hosts on the left; rules, weight bars and the observed split on the right."""

    BINDINGS = [
        Binding("v", "next_subset", "Target", id="traffic.subset", tooltip="choose the target subset"),
        # priority: the focused host table would take the arrows (and, when wider than its column, scroll)
        Binding("left", "shift_left", "Shift 10% from the target", id="traffic.shift_left", group=SHIFT,
                key_display="←", priority=True),
        Binding("right", "shift_right", "Shift 10% to the target", id="traffic.shift_right", group=SHIFT,
                key_display="→", priority=True),
        Binding("C", "preset('canary')", "Preset canary: 90/10 to the target", id="traffic.preset_canary",
                group=PRESET),
        Binding("H", "preset('half')", "Preset 50/50 with the target", id="traffic.preset_half", group=PRESET),
        Binding("B", "preset('bluegreen')", "Preset blue/green: all to the target (or back)",
                id="traffic.preset_bluegreen", group=PRESET),
        Binding("F", "preset('flip')", "Preset flip the two weights", id="traffic.preset_flip", group=PRESET),
        Binding("S", "preset('stable')", "Preset stable: all to the first subset", id="traffic.preset_stable",
                group=PRESET),
        Binding("m", "form('match')", "Header match (add or remove)", id="traffic.match", group=EDIT),
        Binding("f", "form('fault')", "Fault", id="traffic.fault", group=EDIT),
        Binding("M", "form('mirror')", "Mirror", id="traffic.mirror", group=EDIT),
        Binding("r", "form('timeout')", "Timeout/retries", id="traffic.timeout", group=EDIT),
        Binding("b", "form('breaker')", "Circuit breaker", id="traffic.breaker", group=EDIT),
        Binding("a", "apply", "Apply", id="traffic.apply"),
        Binding("d", "discard", "Discard", id="traffic.discard"),
        Binding("u", "undo", "Undo", id="traffic.undo"),
        Binding("R", "reset", "Reset", id="traffic.reset"),
        Binding("n", "next_namespace", "Namespace", id="traffic.namespace"),
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
        if self.host is not None and self.session is not None:
            self._read_observation(self.observer, self.host, self.namespace)

    @work(thread=True, exclusive=True, group="traffic-observe", exit_on_error=False)
    def _read_observation(self, observer: ObserverView | None, host: str, namespace: str | None) -> None:
        if self.session is not None:
            depth, notices = self.session.routes.undo_depth(host, namespace)
            self.post_message(UndoDepthRead(host, depth, notices))
        if observer is not None:
            self.post_message(ObservationReady(host, observer.observation()))

    @on(UndoDepthRead)
    def _undo_depth_read(self, message: UndoDepthRead) -> None:
        for notice in message.notices:
            self.app.notify(inert(notice), title="Undo history", severity="warning", timeout=10, markup=False)
        if message.host == self.host and self.loaded is not None and self.loaded.undo_depth != message.depth:
            self.loaded.undo_depth = message.depth
            self._draw()

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
        canary = self.target if name in ("canary", "half", "bluegreen") else None
        try:
            self._edit(E.parse_preset(name, canary))
        except InvalidInput as exc:  # a target that is no subset name cannot come from `v`; said, not hidden
            self.app.notify(inert(exc.args[0]), severity="error", markup=False)

    def confirm_quit(self) -> bool:
        """Ask before quitting with an unapplied draft (True: asked, the app waits for the answer)."""
        if not self.dirty or self.host is None:
            return False
        from meshtui.ui.screens.confirm import ConfirmScreen

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.app.exit()
        self.app.push_screen(ConfirmScreen(inert(f"The Traffic panel has an unapplied draft for {self.host}."),
                                           "Quit", None, "Quit and lose the draft? (No: a applies it, d discards it)"),
                             answered)
        return True

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
