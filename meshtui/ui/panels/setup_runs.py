"""The Setup panel's runs: `up`/`down` with a live step list, metrics-server, dashboards.

A mixin of `SetupPanel`, kept apart so each file stays readable. Workers only post
`ProvisionReported` messages; the handler owns the step rows and redraws them.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work

from meshtui.domain.errors import MeshtuiError
from meshtui.ui.messages import ProvisionReported
from meshtui.ui.widgets.keyed_table import KeyedTable

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
DASHBOARDS = ("kiali", "grafana", "prometheus", "jaeger")


class ProvisionRuns:
    """up / down / retry / cancel, metrics-server install and dashboards for SetupPanel."""

    app: Any
    wiring: Any
    profile: str | None
    steps: dict[str, dict[str, Any]]
    run_verb: str | None
    run_profile: str | None
    cancel_event: Any
    frame: int
    dashboard_cancel: Any
    query_one: Any
    post_message: Any

    def _start(self, verb: str, profile: str | None) -> None:
        import threading

        if self.wiring is None or profile is None:
            self.app.notify("no profile selected (p)", severity="warning")
            return
        if self.run_verb is not None:
            self.app.notify(f"{self.run_verb} is already running (z cancels)", severity="warning")
            return
        if getattr(self.wiring, "read_only", False):
            self.app.notify(f"{verb} refused: --read-only", title="Safety guard", severity="error")
            return
        self.run_verb, self.run_profile, self.steps = verb, profile, {}
        self.cancel_event = threading.Event()
        self.query_one("#step-output").clear()
        self._draw_steps()
        self._provision(verb, profile, self.cancel_event)

    def action_up(self) -> None:
        self._start("up", self.profile)

    def action_retry(self) -> None:
        self._start("up", self.run_profile or self.profile)

    def action_cancel(self) -> None:
        if self.cancel_event is not None and self.run_verb is not None:
            self.cancel_event.set()
            self.app.notify(f"cancelling {self.run_verb}… (r resumes)")
        else:
            self.app.notify("nothing is running")

    def action_down(self) -> None:
        profile = self.profile
        if self.wiring is None or profile is None:
            return
        try:
            plan = self.wiring.provisioner(profile).down_plan()
        except MeshtuiError as exc:
            self.app.notify(exc.message, severity="error")
            return
        if not plan:
            self.app.notify(f"nothing to remove: meshtui created nothing for {profile!r}")
            return
        from meshtui.ui.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._start("down", profile)

        self.app.push_screen(ConfirmScreen("Tear down " + profile + "?\n" + "\n".join(plan), "Tear down"), confirmed)

    @work(thread=True, group="provision", exit_on_error=False)
    def _provision(self, verb: str, profile: str, cancel: Any) -> None:
        def emit(event: Any) -> None:
            self.post_message(ProvisionReported(event))

        try:
            provisioner = self.wiring.provisioner(profile)
            result = (provisioner.up if verb == "up" else provisioner.down)(emit, cancel)
            target = (provisioner.provider.kubeconfig(), provisioner.provider.context) if verb == "up" else None
        except MeshtuiError as exc:
            from meshtui.services.provision.steps import ProvisionEvent

            emit(ProvisionEvent("failed", verb, exc.message, hint=exc.hint))
            emit(ProvisionEvent("finished", "", exc.message))
            return
        if verb == "up" and result.ok and target is not None:
            self.app.call_from_thread(self._switch_to, *target)

    def _switch_to(self, kubeconfig: str | None, context: str) -> None:
        self.wiring.use_cluster(kubeconfig, context)
        self.app.notify(f"connected to {context}")
        self.app.connect()

    def on_provision_reported(self, message: ProvisionReported) -> None:
        """Named handler (not @on): decorators on a mixin are not collected by Textual."""
        import time

        event = message.event
        if event.kind == "finished":
            verb, self.run_verb = self.run_verb, None
            ok = event.text == "ok"
            self.app.notify(f"{verb} {'finished' if ok else 'stopped: ' + event.text}",
                            severity="information" if ok else "error", timeout=8)
            self._draw_steps()
            return
        if event.kind == "output":
            self.query_one("#step-output").write(f"{event.step:>14} │ {event.text}")
            self.steps.setdefault(event.step, {"state": "running", "started": time.monotonic()})["detail"] = event.text
        else:
            row = self.steps.setdefault(event.step, {"state": "planned", "started": None, "detail": ""})
            row["state"] = event.kind
            if event.kind == "started":
                row["started"] = time.monotonic()
            if event.kind in ("done", "skipped", "failed", "cancelled"):
                row["elapsed"] = event.elapsed
                row["detail"] = event.text + (f"  — fix: {event.hint}  (r retries)" if event.hint else "")
            if event.kind == "planned":
                row["detail"] = event.text
        self._draw_steps()

    def _tick(self) -> None:
        if self.run_verb is not None:
            self.frame += 1
            self._draw_steps()

    def _draw_steps(self) -> None:
        import time

        theme = self.app.current_theme
        marks = {"planned": ("·", theme.foreground), "running": (SPINNER[self.frame % len(SPINNER)], theme.accent),
                 "done": ("✔", theme.success), "skipped": ("↷", theme.secondary), "failed": ("✘", theme.error),
                 "cancelled": ("■", theme.warning)}
        rows = {}
        for step, row in self.steps.items():
            state = "running" if row["state"] == "started" else row["state"]
            mark, colour = marks.get(state, ("?", theme.foreground))
            if state == "running" and row.get("started"):
                elapsed = f"{time.monotonic() - row['started']:.0f}s"
            else:
                elapsed = f"{row['elapsed']:.1f}s" if "elapsed" in row else ""
            rows[step] = (Text(mark, style=f"bold {colour}"), step, elapsed, str(row.get("detail", ""))[:160])
        self.query_one("#steps", KeyedTable).sync(rows, list(rows))

    # -- metrics-server and dashboards ----------------------------------------------------
    def action_install_metrics_server(self) -> None:
        session = getattr(self.app, "session", None)
        if session is None:
            self.app.notify("connect to a cluster first", severity="warning")
            return
        refusal = session.guard.refusal("installing metrics-server")
        if refusal:
            self.app.notify(refusal, title="Safety guard", severity="error", timeout=8)
            return
        self.app.notify("installing metrics-server…")
        self._metrics(session)

    @work(thread=True, group="metrics", exclusive=True, exit_on_error=False)
    def _metrics(self, session: Any) -> None:
        from meshtui.services.provision.metrics import install_metrics_server
        from meshtui.services.provision.steps import ProvisionEvent

        def line(text: str) -> None:
            self.post_message(ProvisionReported(ProvisionEvent("output", "metrics-server", text)))

        try:
            install_metrics_server(session.kube, session.guard, line)
        except MeshtuiError as exc:
            self.app.call_from_thread(self.app.notify, exc.message, title="metrics-server", severity="error")
            return
        self.app.call_from_thread(self.app.notify, "metrics-server is ready: the Resources panel shows pod usage")

    def action_dashboard(self) -> None:
        if self.dashboard_cancel is not None:
            self.dashboard_cancel.set()
            self.dashboard_cancel = None
            self.app.notify("dashboard port-forward stopped")
            return
        session = getattr(self.app, "session", None)
        if session is None:
            self.app.notify("connect to a cluster first", severity="warning")
            return
        import threading

        self.dashboard_cancel = threading.Event()
        self._dashboard(session, self.dashboard_cancel)

    @work(thread=True, group="dashboard", exit_on_error=False)
    def _dashboard(self, session: Any, cancel: Any) -> None:
        from meshtui.services.dashboards import free_port, installed, open_dashboard

        name = next(iter(installed(session.kube, DASHBOARDS)), None)
        if name is None:
            self.app.call_from_thread(self.app.notify, "no dashboard installed: add kiali/grafana/prometheus to "
                                      "istio.addons in the profile and run up", severity="warning")
            self.dashboard_cancel = None
            return

        def ready(url: str) -> None:
            self.app.call_from_thread(self.app.notify, f"{name}: {url}  (o stops)", title="dashboard", timeout=15)

        try:
            open_dashboard(session.kube, session.guard, name, free_port(), ready, cancel=cancel,
                           kubeconfig=getattr(self.wiring, "kubeconfig", None))
        except MeshtuiError as exc:
            if not cancel.is_set():
                self.app.call_from_thread(self.app.notify, exc.message, title="dashboard", severity="error")
        self.dashboard_cancel = None
