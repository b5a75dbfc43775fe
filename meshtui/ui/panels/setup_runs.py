"""The Setup panel's runs: the `up` plan, `up`/`down` with a live step list, metrics-server, dashboards.

A mixin of `SetupPanel`, kept apart so each file stays readable. Workers only post
messages (`PlanReady`, `ProvisionReported`, `ClusterReady`, `ClusterGone`) or hand a
call to the event loop; the handlers here own every piece of widget state. Nothing
writes to a cluster without a confirmation that names the profile and what will run,
and every run ends visibly: done, failed with its fix, or cancelled (`z`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import RichLog, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.services.provision.steps import ProvisionEvent
from meshtui.ui.messages import PlanReady, ProvisionReported

if TYPE_CHECKING:
    from meshtui.services.ports import SessionPort, WiringPort

    _PanelBase = Vertical
else:
    _PanelBase = object

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
METRICS = "metrics-server"


@dataclass
class StepRow:
    """One row of the steps table."""

    state: str = "planned"
    started: float | None = None
    elapsed: float | None = None
    detail: str = ""


class ClusterReady(Message):
    """`up` finished and the wiring now points at the new cluster: connect to it."""

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context


class ClusterGone(Message):
    """`down` removed the cluster the app is connected to."""

    def __init__(self, context: str, detail: str) -> None:
        super().__init__()
        self.context = context
        self.detail = detail


def read_plan(wiring: WiringPort, verb: str, profile: str) -> PlanReady:
    """What `up` (its steps) or `down` (what it removes) would do for `profile` (file IO: workers only)."""
    try:
        if verb == "down":
            return PlanReady(verb, profile, lines=wiring.plan_down(profile))
        return PlanReady(verb, profile, steps=wiring.plan_up(profile))
    except MeshtuiError as exc:
        return PlanReady(verb, profile, error=exc.message, hint=exc.hint)


class ProvisionRuns(_PanelBase):
    """plan / up / down / resume / cancel, metrics-server install and dashboards for SetupPanel."""

    wiring: WiringPort | None
    profile: str | None
    steps: dict[str, StepRow]
    run_verb: str | None
    run_profile: str | None
    resumable: str | None
    plan_profile: str | None
    plan_wanted: str | None
    cancel_event: threading.Event | None
    frame: int
    dashboard_cancel: threading.Event | None

    if TYPE_CHECKING:
        def _draw_steps(self) -> None: ...

    def _session(self) -> SessionPort | None:
        from meshtui.ui.app import MeshApp

        return self.app.session if isinstance(self.app, MeshApp) else None

    # -- the plan ------------------------------------------------------------------------
    def show_plan(self, profile: str) -> None:
        """List the steps `up -p profile` would run (read in a worker; nothing runs)."""
        if self.wiring is None:
            return
        self.profile = profile
        self.plan_wanted = profile
        self._plan(self.wiring, "plan", profile)

    @work(thread=True, group="plan", exit_on_error=False)
    def _plan(self, wiring: WiringPort, verb: str, profile: str) -> None:
        self.post_message(read_plan(wiring, verb, profile))

    def plan_failed(self, error: str) -> None:
        self.query_one("#steps-title", Static).update(Text(f"cannot plan: {inert(error)}"))

    def on_plan_ready(self, message: PlanReady) -> None:
        """Named handler (not @on): decorators on a mixin are not collected by Textual."""
        if message.error:
            text = message.error + (f" — {message.hint}" if message.hint else "")
            if message.verb == "plan":
                self.plan_failed(text)
            else:
                self.app.notify(inert(text), title=f"{message.verb} -p {message.profile}", severity="error",
                                markup=False)
            return
        if message.verb == "plan":  # shown only if no run started since it was asked for
            if self.run_verb is None and message.profile == self.profile == self.plan_wanted:
                self.steps = {step: StepRow(detail=title) for step, title in message.steps}
                self.plan_profile = message.profile
                self._draw_steps()
            return
        if message.verb == "down":
            if not message.lines:
                self.app.notify(f"nothing to remove: meshtui created nothing for {inert(repr(message.profile))}", markup=False)
                return
            question = f"Tear down {message.profile}?\n" + "\n".join(message.lines[:20])
            self._confirm(question, "Tear down", "down", message.profile)
            return
        names = ", ".join(step for step, _title in message.steps)
        if message.verb == "resume":
            question = (f"Resume `up -p {message.profile}`?\nSteps already done are checked and skipped; "
                        f"the rest run: {names}.")
        else:
            question = (f"Provision profile {message.profile}?\n`meshtui up -p {message.profile}` runs "
                        f"{len(message.steps)} steps: {names}.\nSteps already done are skipped; z cancels.")
        self._confirm(question, "Up", "up", message.profile)

    def _confirm(self, question: str, yes: str, verb: str, profile: str) -> None:
        from meshtui.ui.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._start(verb, profile)

        self.app.push_screen(ConfirmScreen(inert_lines_of(question), yes), confirmed)

    # -- up / down -----------------------------------------------------------------------
    def _may_run(self, verb: str, profile: str | None) -> bool:
        if self.wiring is None:
            self.app.notify("still starting: try again in a moment", severity="warning")
            return False
        if profile is None:
            self.app.notify("no profile selected (p)", severity="warning")
            return False
        if self.run_verb is not None:
            self.app.notify(f"{self.run_verb} is already running (z cancels)", severity="warning")
            return False
        if self.wiring.read_only:
            self.app.notify(f"{verb} refused: --read-only", title="Safety guard", severity="error")
            return False
        return True

    def action_up(self) -> None:
        if self._may_run("up", self.profile) and self.wiring is not None and self.profile is not None:
            self._plan_for_run(self.wiring, "up", self.profile)

    def action_retry(self) -> None:
        profile = self.resumable
        if profile is None:
            self.app.notify("nothing to resume: r resumes an `up` that failed or was cancelled here (u starts one)",
                            severity="warning")
            return
        if self._may_run("up", profile) and self.wiring is not None:
            self._plan_for_run(self.wiring, "resume", profile)

    def action_down(self) -> None:
        if self._may_run("down", self.profile) and self.wiring is not None and self.profile is not None:
            self._plan_for_run(self.wiring, "down", self.profile)

    @work(thread=True, group="plan-run", exit_on_error=False)
    def _plan_for_run(self, wiring: WiringPort, verb: str, profile: str) -> None:
        self.post_message(read_plan(wiring, verb, profile))

    def _start(self, verb: str, profile: str) -> None:
        if not self._may_run(verb, profile) or self.wiring is None:
            return
        self.run_verb, self.run_profile, self.resumable, self.plan_profile = verb, profile, None, None
        self.plan_wanted = None
        self.steps = {}
        self.cancel_event = threading.Event()
        self.query_one("#step-output", RichLog).clear()
        self._draw_steps()
        self._provision(self.wiring, verb, profile, self.cancel_event, self._session())

    def action_cancel(self) -> None:
        if self.cancel_event is not None and self.run_verb is not None:
            self.cancel_event.set()
            self.app.notify(f"cancelling {self.run_verb}…" + (" (r resumes)" if self.run_verb == "up" else ""))
        else:
            self.app.notify("nothing is running")

    @work(thread=True, group="provision", exit_on_error=False)
    def _provision(self, wiring: WiringPort, verb: str, profile: str, cancel: threading.Event,
                   session: SessionPort | None) -> None:
        def emit(event: ProvisionEvent) -> None:
            self.post_message(ProvisionReported(event))

        try:
            provisioner = wiring.provisioner(profile)
            if verb == "up":
                result = provisioner.up(emit, cancel)
                if result.ok:
                    context = provisioner.provider.context
                    wiring.use_cluster(provisioner.provider.kubeconfig(), context)
                    self.post_message(ClusterReady(context))
                return
            result = provisioner.down(emit, cancel)
        except MeshtuiError as exc:
            emit(ProvisionEvent("failed", verb, exc.message, hint=exc.hint))
            emit(ProvisionEvent("finished", "", exc.message))
            return
        if result.ok and session is not None and session.context.name == provisioner.provider.context:
            info = session.cluster.info()
            if not info.reachable:
                self.post_message(ClusterGone(session.context.name, info.error or "unreachable"))

    def on_cluster_ready(self, message: ClusterReady) -> None:
        from meshtui.ui.app import MeshApp

        self.app.notify(f"connecting to {inert(message.context)}…", markup=False)
        if isinstance(self.app, MeshApp):
            self.app.connect()

    def on_cluster_gone(self, message: ClusterGone) -> None:
        from meshtui.ui.app import MeshApp

        session = self._session()
        if isinstance(self.app, MeshApp) and session is not None and session.context.name == message.context:
            self.app.disconnect(f"the cluster {message.context} was torn down",
                                "u provisions a profile again")


def inert_lines_of(text: str) -> Text:
    """A confirmation question built from profile names and plan lines (external text): inert, no markup."""
    from meshtui.domain.text import inert_lines

    return Text(inert_lines(text))
