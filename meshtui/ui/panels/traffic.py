"""Panel 4, Traffic: any host's routes, edited from the keyboard, applied after a diff.

Edits build a draft with the same pure operations the CLI uses (`domain.routes`), so
both produce identical objects; `a` previews the exact diff and applies it through
`RouteService` (validation, server dry-run, resourceVersion, undo stack, guard). Beside
the configured weights, the split traffic really takes, from the sidecars' logs.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from meshtui.domain import routes as R
from meshtui.domain.errors import MeshtuiError
from meshtui.ui.failures import ReportsFailures
from meshtui.ui.screens.form import Field, FormScreen
from meshtui.ui.widgets.keyed_table import KeyedTable

STEP = 10
BAR = 24


class HostsLoaded(Message):
    def __init__(self, hosts: list[Any], error: str | None = None) -> None:
        super().__init__()
        self.hosts = hosts
        self.error = error


class RoutesLoaded(Message):
    def __init__(self, loaded: Any, observer: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.loaded = loaded
        self.observer = observer
        self.error = error


class RoutesApplied(Message):
    def __init__(self, host: str, text: str, error: str | None = None, conflict: str | None = None) -> None:
        super().__init__()
        self.host = host
        self.text = text
        self.error = error
        self.conflict = conflict


class TrafficPanel(ReportsFailures, Horizontal):
    """Hosts on the left; rules, weight bars and the observed split on the right."""

    FAILURE_SOURCE = "Traffic"

    BINDINGS = [
        Binding("v", "next_subset", "Subset", id="traffic.subset"),
        Binding("right", "shift_right", "+10%", id="traffic.shift_right"),
        Binding("left", "shift_left", "-10%", id="traffic.shift_left"),
        Binding("S", "preset('stable')", "Stable", id="traffic.preset_stable"),
        Binding("C", "preset('canary')", "Canary 90/10", id="traffic.preset_canary"),
        Binding("H", "preset('half')", "50/50", id="traffic.preset_half"),
        Binding("F", "preset('flip')", "Flip", id="traffic.preset_flip"),
        Binding("B", "preset('bluegreen')", "Blue/green", id="traffic.preset_bluegreen"),
        Binding("m", "match", "Match", id="traffic.match"),
        Binding("f", "fault", "Fault", id="traffic.fault"),
        Binding("M", "mirror", "Mirror", id="traffic.mirror"),
        Binding("r", "timeout", "Timeout/retries", id="traffic.timeout"),
        Binding("b", "breaker", "Breaker", id="traffic.breaker"),
        Binding("a", "apply", "Apply", id="traffic.apply"),
        Binding("d", "discard", "Discard draft", id="traffic.discard"),
        Binding("u", "undo", "Undo", id="traffic.undo"),
        Binding("R", "reset", "Reset", id="traffic.reset"),
        Binding("n", "next_namespace", "Namespace", id="traffic.namespace", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: Any = None
        self.namespace: str | None = None
        self.hosts: list[Any] = []
        self.host: str | None = None
        self.loaded: Any = None
        self.draft: R.Routes | None = None
        self.target: str | None = None
        self.observer: Any = None
        self.observation: Any = None
        self.last_applied: str | None = None
        self.ops: list[tuple[Any, tuple, dict]] = []
        """The edits that made the draft, replayed on top of someone else's change after a 409."""
        self._replay = False

    def compose(self) -> ComposeResult:
        with Vertical(id="traffic-left"):
            yield Static("Hosts", id="hosts-title", classes="section-title")
            yield KeyedTable([("HOST", "host"), ("WEIGHTS", "weights"), ("", "mark")], id="hosts")
        with Vertical(id="traffic-main"):
            yield Static("", id="traffic-title")
            yield Static("", id="traffic-rules")
            yield Static("Observed: the split traffic really takes (sidecar access logs, last 60 s)",
                         classes="section-title")
            yield KeyedTable([("SUBSET", "subset"), ("CONFIGURED", "configured"), ("OBSERVED", "observed"),
                              ("", "bar"), ("REQUESTS", "requests"), ("SUCCESS", "success"), ("P50", "p50"),
                              ("P95", "p95")], id="observed")
            yield Static("", id="traffic-status")

    def on_mount(self) -> None:
        self.set_interval(2.0, self._observe)

    def focus_target(self) -> Any:
        return self.query_one("#hosts", KeyedTable)

    # -- session -----------------------------------------------------------------------
    def attach(self, session: Any) -> None:
        self.detach()
        self.session = session
        self.namespace = session.default_namespace
        self._load_hosts()

    def detach(self) -> None:
        if self.observer is not None:
            self.observer.close()
        self.observer = None
        self.session = None

    @work(thread=True, exclusive=True, group="traffic-hosts", exit_on_error=False)
    def _load_hosts(self) -> None:
        try:
            hosts = self.session.routes.hosts(self.namespace)
        except MeshtuiError as exc:
            self.post_message(HostsLoaded([], exc.message))
            return
        self.post_message(HostsLoaded(hosts))

    @on(HostsLoaded)
    def _hosts_loaded(self, message: HostsLoaded) -> None:
        if message.error:
            self._status(message.error, "error")
            return
        self.hosts = message.hosts
        table = self.query_one("#hosts", KeyedTable)
        rows = {h.host: (h.host, " ".join(f"{s}={w}" for s, w in h.weights.items()) or "-",
                         "◆" if h.managed or h.touched else "") for h in self.hosts}
        table.sync(rows, list(rows))
        self.query_one("#hosts-title", Static).update(f"Hosts in {self.namespace}  (◆ changed by meshtui)")
        if self.host is None and self.hosts:
            preferred = next((h.host for h in self.hosts if len(h.versions) > 1), self.hosts[0].host)
            self.select_host(preferred)

    def on_data_table_row_highlighted(self, event: Any) -> None:
        if event.data_table.id == "hosts" and event.row_key is not None and event.row_key.value != self.host:
            self.select_host(event.row_key.value)

    def select_host(self, host: str) -> None:
        self.host = host
        if self.observer is not None:
            self.observer.close()
            self.observer = None
        self.observation = None
        self._load_routes(host)

    @work(thread=True, exclusive=True, group="traffic-load", exit_on_error=False)
    def _load_routes(self, host: str, with_observer: bool = True) -> None:
        try:
            loaded = self.session.routes.load(host, self.namespace)
            observer = self.session.observer(host, self.namespace) if with_observer else None
        except MeshtuiError as exc:
            self.post_message(RoutesLoaded(None, None, exc.message))
            return
        self.post_message(RoutesLoaded(loaded, observer))

    @on(RoutesLoaded)
    def _routes_loaded(self, message: RoutesLoaded) -> None:
        if message.error:
            self._status(message.error, "error")
            return
        if message.observer is not None:
            if self.observer is not None:
                self.observer.close()
            self.observer = message.observer
        self.loaded = message.loaded
        draft = self.loaded.routes.copy()
        if draft.dr is None and draft.versions:
            draft.dr = R.subsets_from_versions(draft.host, draft.versions)
        if self._replay:
            self._replay = False
            try:
                for operation, args, kwargs in self.ops:
                    draft = operation(draft, *args, **kwargs)
            except R.RouteError as exc:
                self.app.notify(f"your change no longer fits: {exc}", severity="error")
                self.ops = []
        else:
            self.ops = []
        self.draft = draft
        names = [s for s in draft.subsets if s] or draft.versions
        if self.target not in names:
            self.target = names[1] if len(names) > 1 else (names[0] if names else None)
        self._draw()

    # -- drawing -----------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.loaded is not None and self.draft is not None and (
            self.draft.vs != self.loaded.routes.vs or self.draft.dr != self.loaded.routes.dr)

    def _draw(self) -> None:
        draft = self.draft
        if draft is None:
            return
        theme = self.app.current_theme
        title = Text()
        title.append(f"{draft.namespace}/{draft.host}", style="bold")
        title.append(f"  subsets {', '.join(draft.subsets) or '-'}  target (v) ")
        title.append(self.target or "-", style=f"bold {theme.accent}")
        if self.dirty:
            title.append("   ● draft not applied (a: apply with diff, d: discard)", style=f"bold {theme.warning}")
        depth = self.session.routes.undo_store.depth(draft.namespace, draft.host) if self.session else 0
        if depth:
            title.append(f"   undo: {depth}", style="dim")
        self.query_one("#traffic-title", Static).update(title)
        text = Text()
        for i, rule in enumerate((draft.vs or {}).get("http") or []):
            text.append(f"{i + 1}. ", style="dim")
            text.append(R.describe_rule(rule).split("  ->")[0], style="bold")
            text.append("\n")
            routes = rule.get("route") or []
            for route in routes:
                subset = (route.get("destination") or {}).get("subset") or "(any)"
                weight = int(route.get("weight", 100 if len(routes) == 1 else 0) or 0)
                filled = round(weight / 100 * BAR)
                marker = "▶ " if subset == self.target else "  "
                text.append(f"   {marker}{subset:<8}", style=f"bold {theme.accent}" if subset == self.target else "")
                text.append("█" * filled, style=str(theme.primary))
                text.append("░" * (BAR - filled), style="dim")
                text.append(f" {weight:3d}%\n")
            extras = R.describe_rule(rule).split("  ")[2:]
            if extras:
                text.append("   " + "   ".join(extras) + "\n", style=str(theme.warning))
        if not (draft.vs or {}).get("http"):
            text.append("no VirtualService yet: any change creates one (labelled as meshtui's)\n", style="dim")
        policy = (draft.dr or {}).get("trafficPolicy") or {}
        if policy.get("connectionPool") or policy.get("outlierDetection"):
            pool = policy.get("connectionPool") or {}
            outlier = policy.get("outlierDetection") or {}
            text.append(f"circuit breaker: maxConnections {(pool.get('tcp') or {}).get('maxConnections', '-')}, "
                        f"pending {(pool.get('http') or {}).get('http1MaxPendingRequests', '-')}, eject after "
                        f"{outlier.get('consecutive5xxErrors', '-')} errors for {outlier.get('baseEjectionTime', '-')}\n",
                        style=str(theme.secondary))
        self.query_one("#traffic-rules", Static).update(text)
        findings = R.validate(draft)
        if findings:
            self._status("  ".join(f"{'✘' if f.level == 'error' else '!'} {f.message}" for f in findings),
                         "error" if any(f.level == "error" for f in findings) else "warning")
        elif self.last_applied:
            self._status(self.last_applied, "success")
        else:
            self._status("")
        self._draw_observed()

    def _draw_observed(self) -> None:
        observation = self.observation
        configured = self.draft.weights() if self.draft else {}
        rows = {}
        if observation is not None:
            for s in observation.subsets:
                filled = round(s.share / 100 * 16)
                rows[s.subset] = (s.subset, f"{configured.get(s.subset, 0)}%", f"{s.share:.1f}%",
                                  "█" * filled + "░" * (16 - filled), str(s.requests),
                                  "-" if s.success_rate is None else f"{s.success_rate:.1f}%",
                                  "-" if s.p50_ms is None else f"{s.p50_ms:.0f}ms",
                                  "-" if s.p95_ms is None else f"{s.p95_ms:.0f}ms")
        self.query_one("#observed", KeyedTable).sync(rows, sorted(rows))

    def _status(self, message: str, level: str = "info") -> None:
        theme = self.app.current_theme
        colour = {"error": theme.error, "warning": theme.warning, "success": theme.success}.get(level)
        self.query_one("#traffic-status", Static).update(Text(message, style=str(colour) if colour else ""))

    def _observe(self) -> None:
        if self.observer is not None:
            self.observation = self.observer.observation()
            if self.draft is not None:
                self._draw_observed()

    # -- editing -----------------------------------------------------------------------
    def _edit(self, operation: Any, *args: Any, **kwargs: Any) -> None:
        if self.draft is None:
            self.app.notify("select a host first", severity="warning")
            return
        try:
            self.draft = operation(self.draft, *args, **kwargs)
        except R.RouteError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.ops.append((operation, args, kwargs))
        self.last_applied = None
        self._draw()

    def action_next_subset(self) -> None:
        if self.draft is None:
            return
        names = [s for s in self.draft.subsets if s] or self.draft.versions
        if names:
            self.target = names[(names.index(self.target) + 1) % len(names)] if self.target in names else names[0]
            self._draw()

    def action_shift_right(self) -> None:
        if self.target:
            self._edit(R.shift, self.target, STEP)

    def action_shift_left(self) -> None:
        if self.target:
            self._edit(R.shift, self.target, -STEP)

    def action_preset(self, name: str) -> None:
        self._edit(R.preset, name)

    def _form(self, title: str, fields: list[Field], done: Any, help_text: str = "") -> None:
        if self.draft is None:
            self.app.notify("select a host first", severity="warning")
            return

        def finished(values: dict[str, str] | None) -> None:
            if values is not None:
                try:
                    done(values)
                except (ValueError, TypeError) as exc:
                    self.app.notify(f"invalid value: {exc}", severity="error")
        self.app.push_screen(FormScreen(title, fields, help_text), finished)

    def _subsets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.draft.subsets if self.draft else []) if s) or ("v1",)

    def action_match(self) -> None:
        self._form(f"Route a header to a subset ({self.host})",
                   [Field("header", "header", "end-user"), Field("value", "value", "tester"),
                    Field("subset", "to subset", self._subsets()[-1], self._subsets())],
                   lambda v: self._edit(R.add_header_match, v["header"], v["value"], v["subset"]),
                   "The rule goes ahead of the weighted rule: matching requests skip the weights.")

    def action_fault(self) -> None:
        def done(v: dict[str, str]) -> None:
            subset = None if v["subset"] in ("", "weighted rule") else v["subset"]
            percent = float(v["percent"])
            if v["kind"] == "none":
                self._edit(R.clear_fault, subset=subset)
            elif v["kind"] == "delay":
                self._edit(R.set_fault, delay=v["value"], percent=percent, subset=subset)
            else:
                self._edit(R.set_fault, abort=int(v["value"]), percent=percent, subset=subset)
        self._form(f"Inject a fault ({self.host})",
                   [Field("kind", "kind", "abort", ("abort", "delay", "none")),
                    Field("value", "HTTP status for abort, or duration for delay", "503"),
                    Field("percent", "percent of requests", "50"),
                    Field("subset", "on the rule of", "weighted rule", ("weighted rule", *self._subsets()))],
                   done, "Istio ignores timeouts and retries on a rule that has a fault.")

    def action_mirror(self) -> None:
        def done(v: dict[str, str]) -> None:
            if v["subset"] == "none":
                self._edit(R.clear_mirror)
            else:
                self._edit(R.set_mirror, v["subset"], float(v["percent"]))
        self._form(f"Mirror traffic ({self.host})",
                   [Field("subset", "mirror to", self._subsets()[-1], (*self._subsets(), "none")),
                    Field("percent", "percent mirrored", "10")],
                   done, "Mirrored requests are fire-and-forget: their responses are dropped.")

    def action_timeout(self) -> None:
        def done(v: dict[str, str]) -> None:
            retries = int(v["retries"]) if v["retries"] else None
            self._edit(R.set_timeout, v["timeout"], retries, v["per_try"] or None)
        self._form(f"Timeout and retries ({self.host})",
                   [Field("timeout", "timeout (empty: none)", "2s"), Field("retries", "retry attempts", "3"),
                    Field("per_try", "timeout per attempt", "1s")], done)

    def action_breaker(self) -> None:
        def done(v: dict[str, str]) -> None:
            if v["enabled"] == "off":
                self._edit(R.clear_breaker)
                return
            self._edit(R.set_breaker, max_connections=int(v["connections"]), max_pending=int(v["pending"]),
                       consecutive_errors=int(v["errors"]), ejection_time=v["ejection"])
        self._form(f"Circuit breaker on the DestinationRule ({self.host})",
                   [Field("enabled", "circuit breaker", "on", ("on", "off")),
                    Field("connections", "max connections", "1"), Field("pending", "max pending requests", "1"),
                    Field("errors", "5xx in a row before ejecting a pod", "1"),
                    Field("ejection", "ejection time", "30s")], done)

    # -- applying ----------------------------------------------------------------------
    def action_discard(self) -> None:
        if self.loaded is not None:
            self.draft = None
            self._routes_loaded(RoutesLoaded(self.loaded))

    def _refusal(self, what: str) -> bool:
        refusal = self.session.guard.refusal(what) if self.session else "not connected"
        if refusal:
            self.app.notify(refusal, title="Safety guard", severity="error", timeout=8)
            return True
        return False

    def action_apply(self) -> None:
        if not self.dirty:
            self.app.notify("nothing to apply: change something first (arrows, presets, m, f, M, r, b)")
            return
        if self._refusal(f"change routes of {self.host}"):
            return
        from meshtui.services.routes import Plan
        from meshtui.ui.screens.confirm import ConfirmScreen

        plan = Plan(self.loaded, self.draft, R.validate(self.draft))
        if plan.errors:
            self.app.notify("; ".join(f.message for f in plan.errors), title="Invalid", severity="error", timeout=8)
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._apply(plan)
        theme = self.app.current_theme
        question = Text(f"Apply to {self.draft.namespace}/{self.host}? This is exactly what changes:\n\n", style="bold")
        for line in plan.diff.splitlines():
            colour = (theme.success if line.startswith("+") and not line.startswith("+++") else
                      theme.error if line.startswith("-") and not line.startswith("---") else None)
            question.append(line + "\n", style=str(colour) if colour else "")
        self.app.push_screen(ConfirmScreen(question, "Apply"), confirmed)

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _apply(self, plan: Any) -> None:
        from meshtui.services.routes import RouteConflict

        try:
            self.session.routes.apply(plan)
        except RouteConflict as exc:
            self.post_message(RoutesApplied(plan.after.host, "", exc.message, exc.their_change))
            return
        except MeshtuiError as exc:
            self.post_message(RoutesApplied(plan.after.host, "", exc.message))
            return
        self.post_message(RoutesApplied(plan.after.host, "applied"))

    @on(RoutesApplied)
    def _applied(self, message: RoutesApplied) -> None:
        if message.conflict is not None:
            from meshtui.ui.screens.text_view import TextViewScreen

            self.app.push_screen(TextViewScreen(
                f"{message.host}: someone else changed the routes; nothing was written. Their change:",
                message.conflict + "\n\nYour edits were replayed on top of their version: review, then press a."))
            self._reload(keep_draft=True)
            return
        if message.error:
            self.app.notify(message.error, severity="error", timeout=8)
            return
        self.last_applied = f"{message.text} to {message.host} (u undoes it)"
        self.app.notify(self.last_applied)
        self._reload()

    def _reload(self, keep_draft: bool = False) -> None:
        """Read the routes again; with `keep_draft`, replay this draft's edits on top of them."""
        if self.host is not None:
            self._replay = keep_draft
            self._load_routes(self.host, with_observer=False)
            self._load_hosts()

    def action_undo(self) -> None:
        if self.host is None or self._refusal(f"undo routes of {self.host}"):
            return
        self._run_write("undo", self.session.routes.undo)

    def action_reset(self) -> None:
        if self.host is None or self._refusal(f"reset routes of {self.host}"):
            return
        from meshtui.ui.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._run_write("reset", self.session.routes.reset)
        self.app.push_screen(ConfirmScreen(f"Reset {self.host} to its routes before meshtui changed them?\n"
                                           "Objects meshtui created are deleted.", "Reset"), confirmed)

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _run_write(self, what: str, function: Any) -> None:
        try:
            function(self.host, self.namespace)
        except MeshtuiError as exc:
            self.post_message(RoutesApplied(self.host or "", "", exc.message))
            return
        self.post_message(RoutesApplied(self.host or "", f"{what} done"))

    def action_next_namespace(self) -> None:
        if self.session is None:
            return
        namespaces = [n for n in self.session.cluster.namespaces() if n not in ("kube-system", "kube-public",
                                                                                 "kube-node-lease")]
        if not namespaces:
            return
        index = namespaces.index(self.namespace) if self.namespace in namespaces else -1
        self.namespace = namespaces[(index + 1) % len(namespaces)]
        self.host = None
        self._load_hosts()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        writes = {"apply", "undo", "reset", "shift_right", "shift_left", "preset", "match", "fault", "mirror",
                  "timeout", "breaker"}
        if action in writes and self.session is not None and self.session.guard.read_only:
            return False
        return True
