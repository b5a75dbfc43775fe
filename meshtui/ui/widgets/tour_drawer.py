"""The tour drawer: the current step, progress and hint beside the panels.

Tour text comes from YAML files (shipped or the user's own): it is external text and
passes the sanitiser (`inert`) before it is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from meshtui.domain.text import inert, inert_lines

if TYPE_CHECKING:
    from meshtui.services.tours import TourRun

PANEL_KEYS = {"overview": "1", "logs": "2", "resources": "3", "traffic": "4", "setup": "5"}


class TourDrawer(VerticalScroll):
    """Shows one tour run; hidden when no tour is active."""

    def compose(self) -> ComposeResult:
        yield Static("", id="tour-title")
        yield Static("", id="tour-progress")
        yield Static("", id="tour-step")
        yield Static("", id="tour-hint")
        yield Static("", id="tour-keys")

    def show_run(self, run: TourRun, note: str = "") -> None:
        tour, theme = run.loaded.tour, self.app.current_theme
        self.query_one("#tour-title", Static).update(Text(f"Tour: {inert(tour.title)}", style="bold"))
        done = run.total if run.finished else run.index
        bar = "█" * done + "░" * (run.total - done)
        self.query_one("#tour-progress", Static).update(Text(f"{bar}  {done}/{run.total}"))
        if run.finished:
            lines = Text()
            lines.append("Finished! ", style=f"bold {theme.success}")
            lines.append(f"You did all {run.total} steps of “{inert(tour.title)}”:\n")
            for step in tour.steps:
                lines.append(f"  ✔ {inert(step.title)}\n")
            lines.append("\nF8 resets everything the tour changed (only routes meshtui touched).")
            self.query_one("#tour-step", Static).update(lines)
            self.query_one("#tour-hint", Static).update("")
        else:
            step = run.step
            text = Text()
            text.append(f"{run.index + 1}. {inert(step.title)}\n", style=f"bold {theme.primary}")
            text.append(f"panel {PANEL_KEYS[step.panel]} {step.panel.title()}\n\n", style=theme.secondary or "")
            text.append(inert_lines(step.text))
            self.query_one("#tour-step", Static).update(text)
            hint = Text()
            if step.hint:
                hint.append("hint: ", style="bold")
                hint.append(inert(step.hint))
            if note:
                hint.append(f"\n{inert(note)}", style=theme.warning or "")
            self.query_one("#tour-hint", Static).update(hint)
        keys = "F6 show me · F7 hide · F8 reset" if not run.finished else "F8 reset · F7 hide"
        self.query_one("#tour-keys", Static).update(Text(keys, style="dim"))
