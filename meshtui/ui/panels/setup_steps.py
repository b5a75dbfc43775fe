"""The Setup panel's step list: what a run reports, drawn as a wrapping table with a live spinner.

A mixin of `SetupPanel`. `ProvisionReported` messages (from `up`, `down` and the
metrics-server install) update the rows; the handler owns them. When a run finishes,
nothing keeps spinning: a step still marked running ends done (the run succeeded) or
cancelled, and a failed `up` becomes resumable with `r`.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.widgets import RichLog, Static

from meshtui.domain.text import inert
from meshtui.ui.messages import ProvisionReported
from meshtui.ui.panels.setup_runs import METRICS, SPINNER, StepRow
from meshtui.ui.repaint import update_static

if TYPE_CHECKING:
    from textual.containers import Vertical

    _PanelBase = Vertical
else:
    _PanelBase = object


class StepList(_PanelBase):
    """The steps table and what runs report into it, for SetupPanel."""

    steps: dict[str, StepRow]
    run_verb: str | None
    run_profile: str | None
    resumable: str | None
    plan_profile: str | None
    cancel_event: threading.Event | None
    frame: int

    def on_provision_reported(self, message: ProvisionReported) -> None:
        """Named handler (not @on): decorators on a mixin are not collected by Textual."""
        event = message.event
        if event.kind == "finished":
            self._finished(event.text)
            return
        if event.kind == "output":
            self.query_one("#step-output", RichLog).write(f"{inert(event.step):>14} │ {inert(event.text)}")
            row = self.steps.setdefault(event.step, StepRow("running", time.monotonic()))
            row.detail = event.text
        else:
            row = self.steps.setdefault(event.step, StepRow())
            row.state = "running" if event.kind == "started" else event.kind
            if event.kind == "started":
                row.started = time.monotonic()
            if event.kind in ("done", "skipped", "failed", "cancelled"):
                row.elapsed = event.elapsed
                again = "  (r resumes)" if self.run_verb == "up" else ""
                row.detail = event.text + (f"  — fix: {event.hint}{again}" if event.hint else "")
            if event.kind == "planned":
                row.detail = event.text
        self._draw_steps()

    def _finished(self, text: str) -> None:
        verb, self.run_verb = self.run_verb, None
        ok = text == "ok"
        for row in self.steps.values():
            if row.state == "running":  # nothing may keep spinning once the run is over
                row.state = "done" if ok else "cancelled"
                row.elapsed = time.monotonic() - row.started if row.started else None
        if verb == "up" and not ok:
            self.resumable = self.run_profile
        if verb == METRICS:
            note = "metrics-server is ready: the Resources panel shows pod usage" if ok else \
                f"metrics-server install stopped: {text}"
        else:
            note = f"{verb} {'finished' if ok else 'stopped: ' + text}" + ("  (r resumes)" if self.resumable else "")
        self.app.notify(inert(note), severity="information" if ok else "error", timeout=8, markup=False)
        self._draw_steps()

    def end_run(self, error: str) -> None:
        """A run's worker died unexpectedly (the app already reported it): end the run visibly."""
        if self.run_verb is None:
            return
        for row in self.steps.values():
            if row.state in ("running", "planned"):
                row.state, row.detail = "failed", error
        verb, self.run_verb = self.run_verb, None
        if verb == "up":
            self.resumable = self.run_profile
        self._draw_steps()

    def _tick(self) -> None:
        if self.run_verb is not None:
            self.frame += 1
            self._draw_steps()

    def step_cells(self) -> dict[str, tuple[str, str, str, str]]:
        """Each step as the table shows it: mark, name, time, detail."""
        marks = {"planned": "·", "running": SPINNER[self.frame % len(SPINNER)], "done": "✔", "skipped": "↷",
                 "failed": "✘", "cancelled": "■"}
        cells = {}
        for step, row in self.steps.items():
            if row.state == "running" and row.started is not None:
                elapsed = f"{time.monotonic() - row.started:.0f}s"
            else:
                elapsed = f"{row.elapsed:.1f}s" if row.elapsed is not None else ""
            cells[step] = (marks.get(row.state, "?"), step, elapsed, row.detail)
        return cells

    def _draw_steps(self) -> None:
        theme = self.app.current_theme
        colours = {"·": theme.foreground, "✔": theme.success, "↷": theme.secondary, "✘": theme.error,
                   "■": theme.warning}
        table = Table(expand=True, box=None, padding=(0, 1), header_style="bold", show_edge=False)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("STEP", no_wrap=True)
        table.add_column("TIME", no_wrap=True, justify="right")
        table.add_column("DETAIL", ratio=1, overflow="fold")
        for mark, step, elapsed, detail in self.step_cells().values():
            table.add_row(Text(mark, style=f"bold {colours.get(mark, theme.accent) or ''}"), Text(inert(step)),
                          elapsed, Text(inert(detail)))
        self.query_one("#steps-table", Static).update(table)
        if self.run_verb is not None:
            title = f"{self.run_verb}" + (f" -p {self.run_profile}" if self.run_profile else "") + \
                ": running (z cancels)"
        elif self.plan_profile is not None:
            title = (f"`meshtui up -p {self.plan_profile}` runs these {len(self.steps)} steps "
                     "(u starts them after asking; nothing runs until then)")
        else:
            title = "last run" if self.steps else "steps"
        update_static(self.query_one("#steps-title", Static), Text(inert(title)))
