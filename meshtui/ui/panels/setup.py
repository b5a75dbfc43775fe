"""Panel 5, Setup: pick a profile, see the doctor's verdict and `up`'s steps, run `up`/`down` live.

When no cluster is reachable the app opens here, with the doctor's results and a
one-key offer (`D`) to start the simulated cluster instead. The steps table lists what
`up` would run for the selected profile before anything runs; `u` provisions it (after
a confirmation) with a live step list (spinner, elapsed, per-step output, failure with
its fix hint; `r` resumes a failed or cancelled run, `z` cancels); `X` tears down what
`up` created; `m` installs metrics-server; `o` opens a monitoring dashboard.

Profiles, the doctor and plans are read in workers: this module never touches a file
or the network on the event loop. Doctor rows are a wrapping table, so a long reason
or fix is shown whole at any width.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import RichLog, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.messages import DoctorFinished, ProfilesFound
from meshtui.ui.panels.setup_runs import ProvisionRuns, StepRow
from meshtui.ui.panels.setup_steps import StepList
from meshtui.ui.panels.setup_tools import SetupTools
from meshtui.ui.repaint import update_static

if TYPE_CHECKING:
    from meshtui.domain.checks import Check
    from meshtui.services.ports import WiringPort


class SetupPanel(ReportsFailures, ProvisionRuns, SetupTools, StepList, Vertical):
    """Profiles, doctor checks, `up`/`down` runs, and the demo offer."""

    FAILURE_SOURCE = "Setup"

    BINDINGS = [
        Binding("p", "next_profile", "Profile", id="setup.profile"),
        Binding("c", "check", "Run doctor", id="setup.check"),
        Binding("D", "start_demo", "Start demo cluster", id="setup.demo"),
        Binding("u", "up", "Up (provision)", id="setup.up"),
        Binding("r", "retry", "Resume failed up", id="setup.retry"),
        Binding("z", "cancel", "Cancel run", id="setup.cancel"),
        Binding("X", "down", "Down (tear down)", id="setup.down"),
        Binding("m", "install_metrics_server", "Install metrics-server", id="setup.metrics"),
        Binding("o", "dashboard", "Open dashboard", id="setup.dashboard"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.wiring: WiringPort | None = None
        self.profiles: list[str] = []
        self.profile: str | None = None
        self.connected = False
        self.connection_error: str | None = None
        self.checks: list[Check] = []
        self.steps: dict[str, StepRow] = {}
        self.run_verb: str | None = None
        self.run_profile: str | None = None
        self.resumable: str | None = None
        self.plan_profile: str | None = None
        self.plan_wanted: str | None = None
        self.cancel_event: threading.Event | None = None
        self.frame = 0
        self.dashboard_cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="setup-banner")
        yield Static("", id="setup-profile")
        with VerticalScroll(id="checks"):
            yield Static("", id="checks-table")
        yield Static("", id="steps-title", classes="section-title")
        with VerticalScroll(id="steps"):
            yield Static("", id="steps-table")
        yield RichLog(id="step-output", max_lines=2000, wrap=False, markup=False)

    def on_mount(self) -> None:
        self._render_header()
        self.set_interval(0.25, self._tick)

    def configure(self, wiring: WiringPort, connected: bool, error: str | None = None) -> None:
        """The app's connection changed: remember it, re-read profiles and re-run the doctor (in workers)."""
        self.wiring = wiring
        self.connected = connected
        self.connection_error = error
        self._render_header()
        self._find_profiles(wiring)

    @work(thread=True, exclusive=True, group="profiles", exit_on_error=False)
    def _find_profiles(self, wiring: WiringPort) -> None:
        self.post_message(ProfilesFound(wiring.profiles()))

    @on(ProfilesFound)
    def _profiles_found(self, message: ProfilesFound) -> None:
        self.profiles = message.profiles
        if self.profile not in self.profiles:
            self.profile = "default" if "default" in self.profiles else (self.profiles[0] if self.profiles else None)
        self._render_header()
        self.action_check()

    def _render_header(self) -> None:
        banner = Text()
        if self.connected:
            banner.append("Connected. ", style="bold")
            banner.append("Run the doctor for a profile, or press D to switch to the simulated demo cluster.")
        else:
            banner.append("No cluster reachable", style=f"bold {self.app.current_theme.error}")
            if self.connection_error:
                banner.append(f" ({inert(self.connection_error)})")
            banner.append(".\nPress ")
            banner.append("D", style="bold reverse")
            banner.append(" to start the simulated demo cluster right here (nothing to install), "
                          "or fix what the doctor reports below and create a real one with `meshtui up`.")
        update_static(self.query_one("#setup-banner", Static), banner)
        self._render_profiles()

    def _render_profiles(self, suffix: str = "") -> None:
        line = Text("profile (p): ")
        for name in self.profiles:
            line.append(f"[{inert(name)}]" if name == self.profile else inert(name), style="bold" if
                        name == self.profile else "")
            line.append("  ")
        if not self.profiles:
            line.append("no profiles found" if self.wiring is not None else "…")
        if suffix:
            line.append(f" — {suffix}")
        update_static(self.query_one("#setup-profile", Static), line)

    def action_next_profile(self) -> None:
        if not self.profiles:
            self.app.notify("no profiles found (meshtui profiles list)", severity="warning")
            return
        index = self.profiles.index(self.profile) if self.profile in self.profiles else -1
        self.profile = self.profiles[(index + 1) % len(self.profiles)]
        if not self._run_doctor() and self.run_verb is None:
            self.show_plan(self.profile)  # asked once: a second plan was a second redraw (a reflow, a frame)

    def action_check(self) -> None:
        self._run_doctor()

    def _run_doctor(self) -> bool:
        """Run the doctor for the profile (in a worker); True when its plan was asked for too."""
        if self.wiring is None:
            self.app.notify("still starting: the doctor runs once the connection is settled", severity="warning")
            return False
        self._render_profiles("checking…")
        self._doctor(self.wiring, self.profile)
        if self.run_verb is None and self.profile is not None and (not self.steps or self.plan_profile):
            self.show_plan(self.profile)
            return True
        return False

    @work(thread=True, exclusive=True, group="doctor", exit_on_error=False)
    def _doctor(self, wiring: WiringPort, profile: str | None) -> None:
        try:
            checks = wiring.doctor(profile)
        except MeshtuiError as exc:
            self.post_message(DoctorFinished([], profile, exc.message))
            return
        self.post_message(DoctorFinished(checks, profile))

    @on(DoctorFinished)
    def _doctor_finished(self, message: DoctorFinished) -> None:
        if message.profile != self.profile:
            return  # the user moved on to another profile meanwhile
        if message.error:
            self._render_profiles(f"doctor failed: {inert(message.error)}")
            self.app.notify(inert(message.error), title="doctor", severity="error", markup=False)
            return
        self.checks = message.checks
        theme = self.app.current_theme
        marks = {"pass": ("✔", theme.success), "warn": ("!", theme.warning), "fail": ("✘", theme.error)}
        table = Table(expand=True, box=None, padding=(0, 1), header_style="bold", show_edge=False)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("CHECK", no_wrap=True)
        table.add_column("RESULT", ratio=3, overflow="fold")
        table.add_column("FIX", ratio=2, overflow="fold")
        for check in message.checks:
            mark, colour = marks[check.status.value]
            table.add_row(Text(mark, style=f"bold {colour}"), Text(inert(check.name)), Text(inert(check.reason)),
                          Text(inert(check.fix or ""), style=str(theme.accent or "")))
        self.query_one("#checks-table", Static).update(table)
        failed = sum(1 for c in message.checks if c.status.value == "fail")
        self._render_profiles(f"{len(message.checks)} checks, {failed} failing (c: run again)")

    def worker_failed(self, job: str, error: BaseException) -> None:
        """An unexpected error in a Setup job: end what it was doing visibly (no spinner left spinning)."""
        text = f"{type(error).__name__}: {error}"
        if job == "doctor":
            self._render_profiles(f"doctor failed: {inert(text)}")
        elif job == "profiles":
            self._render_profiles(f"cannot read profiles: {inert(text)}")
        elif job in ("provision", "metrics"):
            self.end_run(text)
        elif job == "dashboard":
            self.dashboard_cancel = None
        elif job == "plan":
            self.plan_failed(text)

    def focus_target(self) -> VerticalScroll:
        """Keys reach the panel through its doctor table (a scrollable, focusable area)."""
        return self.query_one("#checks", VerticalScroll)

    def action_start_demo(self) -> None:
        from meshtui.ui.app import MeshApp

        app = self.app
        if isinstance(app, MeshApp):
            app.start_demo()
