"""Panel 4, Traffic: any host's routes, edited from the keyboard, applied after a diff.

Keys only change the draft (a list of typed edits, see `traffic_base`) or open a form
(`traffic_writes`); `a` shows the engine's exact diff and applies through the same route
engine as `meshtui routes`, so the CLI and the panel write identical objects.
"""

from __future__ import annotations

from textual import on, work
from textual.binding import Binding

from meshtui.domain.routes import edits as E
from meshtui.ui.panels.traffic_messages import NamespacesLoaded
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
