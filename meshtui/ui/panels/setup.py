"""Panel 5, Setup: pick a profile, see the doctor's verdict, run `up`/`down` live, start the demo.

When no cluster is reachable the app opens here, with the doctor's results and a
one-key offer (`D`) to start the simulated cluster instead. `u` provisions the
selected profile with a live step list (spinner, elapsed, per-step output, failure
with its fix hint; `r` retries and resumes, `z` cancels); `X` tears down what `up`
created; `m` installs metrics-server; `o` opens a monitoring dashboard.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from meshtui.domain.errors import MeshtuiError
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.messages import DoctorFinished
from meshtui.ui.panels.setup_runs import ProvisionRuns
from meshtui.ui.widgets.keyed_table import KeyedTable


class SetupPanel(ReportsFailures, ProvisionRuns, Vertical):
    """Profiles, doctor checks, and the demo offer."""

    FAILURE_SOURCE = "Setup"

    BINDINGS = [
        Binding("p", "next_profile", "Profile", id="setup.profile"),
        Binding("c", "check", "Run doctor", id="setup.check"),
        Binding("D", "start_demo", "Start demo cluster", id="setup.demo"),
        Binding("u", "up", "Up (provision)", id="setup.up"),
        Binding("r", "retry", "Retry / resume", id="setup.retry"),
        Binding("z", "cancel", "Cancel run", id="setup.cancel"),
        Binding("X", "down", "Down (tear down)", id="setup.down"),
        Binding("m", "install_metrics_server", "Install metrics-server", id="setup.metrics"),
        Binding("o", "dashboard", "Open dashboard", id="setup.dashboard"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wiring: Any = None
        self.profiles: list[str] = []
        self.profile: str | None = None
        self.connected = False
        self.connection_error: str | None = None
        self.steps: dict[str, dict[str, Any]] = {}
        self.run_verb: str | None = None
        self.run_profile: str | None = None
        self.cancel_event: Any = None
        self.frame = 0
        self.dashboard_cancel: Any = None

    def compose(self) -> ComposeResult:
        from textual.widgets import RichLog

        yield Static("", id="setup-banner")
        yield Static("", id="setup-profile")
        yield KeyedTable([("", "mark"), ("CHECK", "name"), ("RESULT", "reason"), ("FIX", "fix")], id="checks")
        yield KeyedTable([("", "mark"), ("STEP", "step"), ("TIME", "time"), ("DETAIL", "detail")], id="steps")
        yield RichLog(id="step-output", max_lines=2000, wrap=False, markup=False)

    def on_mount(self) -> None:
        self._render_header()
        self.set_interval(0.25, self._tick)

    def _load_profiles(self) -> None:
        from meshtui.config.loader import discover_profiles

        self.profiles = sorted(discover_profiles())
        if self.profile not in self.profiles:
            self.profile = "default" if "default" in self.profiles else (self.profiles[0] if self.profiles else None)

    def configure(self, wiring: Any, connected: bool, error: str | None = None) -> None:
        self.wiring = wiring
        self._load_profiles()
        self.connected = connected
        self.connection_error = error
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
                banner.append(f" ({self.connection_error})")
            banner.append(".\nPress ")
            banner.append("D", style="bold reverse")
            banner.append(" to start the simulated demo cluster right here (nothing to install), "
                          "or fix what the doctor reports below and create a real one with `meshtui up`.")
        self.query_one("#setup-banner", Static).update(banner)
        names = "  ".join(f"[{n}]" if n == self.profile else n for n in self.profiles) or "no profiles found"
        self.query_one("#setup-profile", Static).update(f"profile (p): {names}")

    def action_next_profile(self) -> None:
        if not self.profiles:
            return
        index = self.profiles.index(self.profile) if self.profile in self.profiles else -1
        self.profile = self.profiles[(index + 1) % len(self.profiles)]
        self._render_header()
        self.action_check()

    def action_check(self) -> None:
        if self.wiring is not None:
            self.query_one("#setup-profile", Static).update(f"profile (p): {self.profile}  — checking…")
            self._doctor(self.profile)

    @work(thread=True, exclusive=True, group="doctor", exit_on_error=False)
    def _doctor(self, profile: str | None) -> None:
        try:
            checks = self.wiring.doctor(profile)
        except MeshtuiError as exc:
            self.post_message(DoctorFinished([], profile, exc.message))
            return
        self.post_message(DoctorFinished(checks, profile))

    @on(DoctorFinished)
    def _doctor_finished(self, message: DoctorFinished) -> None:
        self._render_header()
        if message.error:
            self.app.notify(message.error, title="doctor", severity="error")
            return
        theme = self.app.current_theme
        marks = {"pass": ("✔", theme.success), "warn": ("!", theme.warning), "fail": ("✘", theme.error)}
        rows = {}
        for check in message.checks:
            mark, colour = marks[check.status.value]
            rows[check.name] = (Text(mark, style=f"bold {colour}"), check.name, check.reason, check.fix or "")
        self.query_one("#checks", KeyedTable).sync(rows, list(rows))
        failed = sum(1 for c in message.checks if c.status.value == "fail")
        self.query_one("#setup-profile", Static).update(
            f"profile (p): {message.profile}  — {len(message.checks)} checks, {failed} failing (c: run again)")

    def action_start_demo(self) -> None:
        self.app.start_demo()
