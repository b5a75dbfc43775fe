"""The Setup panel's cluster tools: install metrics-server (`m`) and open a dashboard (`o`).

A mixin of `SetupPanel`. The metrics-server install is a run like `up`: one step row
that spins while it works and ends done, failed or cancelled (`z`); the dashboard is a
port-forward that `o` starts and stops. Workers post messages or hand calls to the
event loop; they never write widget state themselves.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from textual import work

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.text import inert
from meshtui.services.provision.steps import ProvisionEvent
from meshtui.ui.messages import ProvisionReported
from meshtui.ui.panels.setup_runs import METRICS, StepRow

if TYPE_CHECKING:
    from textual.containers import Vertical

    from meshtui.services.ports import SessionPort

    _PanelBase = Vertical
else:
    _PanelBase = object


class SetupTools(_PanelBase):
    """metrics-server and dashboards for SetupPanel."""

    steps: dict[str, StepRow]
    run_verb: str | None
    run_profile: str | None
    plan_profile: str | None
    plan_wanted: str | None
    cancel_event: threading.Event | None
    dashboard_cancel: threading.Event | None

    if TYPE_CHECKING:
        def _session(self) -> SessionPort | None: ...
        def _draw_steps(self) -> None: ...

    def action_install_metrics_server(self) -> None:
        session = self._session()
        if session is None:
            self.app.notify("connect to a cluster first", severity="warning")
            return
        if self.run_verb is not None:
            self.app.notify(f"{self.run_verb} is already running (z cancels)", severity="warning")
            return
        refusal = session.guard.refusal("installing metrics-server")
        if refusal:
            self.app.notify(inert(refusal), title="Safety guard", severity="error", timeout=8, markup=False)
            return
        self.run_verb, self.run_profile, self.plan_profile, self.plan_wanted = METRICS, None, None, None
        self.steps = {METRICS: StepRow("running", time.monotonic(), detail="installing…")}
        self.cancel_event = threading.Event()
        self.app.notify("installing metrics-server… (z cancels)")
        self._draw_steps()
        self._metrics(session, self.cancel_event)

    @work(thread=True, group="metrics", exclusive=True, exit_on_error=False)
    def _metrics(self, session: SessionPort, cancel: threading.Event) -> None:
        started = time.monotonic()

        def post(kind: str, text: str, hint: str | None = None) -> None:
            self.post_message(ProvisionReported(ProvisionEvent(kind, METRICS, text, time.monotonic() - started,
                                                               hint)))

        try:
            session.install_metrics_server(lambda text: post("output", text), cancel)
        except MeshtuiError as exc:
            post("cancelled" if cancel.is_set() else "failed", exc.message, exc.hint)
            self.post_message(ProvisionReported(ProvisionEvent("finished", "", exc.message)))
            return
        post("done", "ready")
        self.post_message(ProvisionReported(ProvisionEvent("finished", "", "ok")))

    def action_dashboard(self) -> None:
        if self.dashboard_cancel is not None:
            self.dashboard_cancel.set()
            self.dashboard_cancel = None
            self.app.notify("dashboard port-forward stopped")
            return
        session = self._session()
        if session is None:
            self.app.notify("connect to a cluster first", severity="warning")
            return
        self.dashboard_cancel = threading.Event()
        self.app.notify("looking for a dashboard…")
        self._dashboard(session, self.dashboard_cancel)

    @work(thread=True, group="dashboard", exit_on_error=False)
    def _dashboard(self, session: SessionPort, cancel: threading.Event) -> None:
        def ready(name: str, url: str) -> None:
            self.app.call_from_thread(self.app.notify, f"{name}: {url}  (o stops)", title="dashboard", timeout=15,
                                      markup=False)

        try:
            name = session.open_dashboard(ready, cancel)
            if name is None:
                self.app.call_from_thread(self.app.notify, "no dashboard installed: add kiali/grafana/prometheus to "
                                          "istio.addons in the profile and run up", severity="warning")
        except MeshtuiError as exc:
            if not cancel.is_set():
                self.app.call_from_thread(self.app.notify, inert(exc.message), title="dashboard", severity="error",
                                          markup=False)
        self.app.call_from_thread(self._dashboard_ended, cancel)

    def _dashboard_ended(self, cancel: threading.Event) -> None:
        if self.dashboard_cancel is cancel:
            self.dashboard_cancel = None
