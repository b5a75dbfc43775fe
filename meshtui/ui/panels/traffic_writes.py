"""The Traffic panel's forms and writes: edit forms, apply with diff, conflicts, undo, reset.

The layer of `TrafficPanel` above `TrafficBase`. Forms validate in place (the same parse and plan as the CLI;
the form stays open with the inputs kept while anything is wrong). Apply shows the
engine's diff, defaults and warnings, then writes in a worker; a 409 comes back as the
other writer's change (saying when that writer was meshtui itself) with the draft
re-based on it. Undo and reset first read what they would do (in a worker), ask with
that exact diff, and only then write; undo refuses when the routes changed after
meshtui's write and asks again before forcing. Every dialog scrolls its diff.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.domain.routes.present import defaults_text
from meshtui.domain.text import inert, inert_lines
from meshtui.services.routes import EditRejected, Plan, ResetPlan, RouteConflict, UndoRefused
from meshtui.services.routes.planning import clashes
from meshtui.ui.panels.traffic_base import TrafficBase
from meshtui.ui.panels.traffic_forms import FORMS, FormSpec, finding_field
from meshtui.ui.panels.traffic_messages import (
    ApplyConflicted,
    ResetPlanned,
    UndoBlocked,
    UndoPreviewed,
    WriteDone,
)
from meshtui.ui.panels.traffic_render import diff_text
from meshtui.ui.screens.form import FieldProblem, FormScreen


class TrafficWrites(TrafficBase):
    """Forms, apply, undo and reset for the Traffic panel (see the module docstring)."""

    # -- forms ---------------------------------------------------------------------------
    def action_form(self, key: str) -> None:
        if self.loaded is None or self.host is None:
            self.app.notify("select a host first", severity="warning")
            return
        if self.stale:
            self.app.notify("the draft no longer fits the cluster: d discards it first", severity="error")
            return
        view = self.plan.view if self.plan is not None else self.loaded.view
        spec = FORMS[key](self.host, view)
        accepted: list[tuple[E.Edit, Plan | None]] = []

        def check(values: dict[str, str]) -> list[FieldProblem]:
            accepted.clear()
            try:
                edit = spec.build(values)
                plan = self._replan([*self.edits, edit])
            except InvalidInput as exc:
                return [FieldProblem(spec.field_of(p.field), p.text(p.field.replace("_", " "))) for p in exc.problems]
            except EditRejected as exc:
                return [FieldProblem(spec.field_of(p.field), p.text(p.field.replace("_", " "))) for p in exc.problems]
            new_errors = plan.errors if plan is not None else []
            if new_errors:
                return [FieldProblem(finding_field(spec, f), f.message) for f in new_errors]
            accepted.append((edit, plan))
            return []

        def finished(values: dict[str, str] | None) -> None:
            if values is not None and accepted:
                edit, plan = accepted[-1]
                self.edits.append(edit)
                self.plan = plan
                self.last_applied = None
                self._draw()
        self.app.push_screen(FormScreen(spec.title, spec.fields, spec.help, check), finished)

    def form_spec(self, key: str) -> FormSpec | None:
        """The form `key` would open now (tests and the palette read it)."""
        if self.loaded is None or self.host is None:
            return None
        return FORMS[key](self.host, self.plan.view if self.plan is not None else self.loaded.view)

    # -- apply ---------------------------------------------------------------------------
    def _refusal(self, what: str) -> bool:
        refusal = self.session.guard.refusal(what) if self.session is not None else "not connected"
        if refusal:
            self.app.notify(inert(refusal), title="Safety guard", severity="error", timeout=8, markup=False)
            return True
        return False

    def _confirm(self, question: str, detail: Text | None, ask: str, yes: str, then: Callable[[], object]) -> None:
        from meshtui.ui.screens.confirm import ConfirmScreen

        def confirmed(answer: bool | None) -> None:
            if answer:
                then()
        self.app.push_screen(ConfirmScreen(Text(inert(question), style="bold"), yes, detail, Text(ask)), confirmed)

    def action_apply(self) -> None:
        if self.stale:
            self.app.notify(f"the draft no longer fits the cluster ({inert(self.stale)}); d discards it", severity="error",
                            markup=False)
            return
        plan = self.plan
        if plan is None or not plan.changed:
            self.app.notify("nothing to apply: change something first (arrows, presets, m, f, M, r, b)")
            return
        if self._refusal(f"change routes of {self.host}"):
            return
        if plan.errors:
            self.app.notify(inert("; ".join(f.message for f in plan.errors)), title="Invalid", severity="error", timeout=8,
                            markup=False)
            return
        palette = self.palette()
        notes = Text()
        if plan.defaults:
            notes.append(inert("Defaults for values you did not give (they did not exist): " +
                               defaults_text(plan.defaults)) + "\n", style=palette.warning)
        for finding in plan.warnings:
            notes.append(inert(f"! {finding.message}") + "\n", style=palette.warning)
        for clash in self.clashes.values():
            notes.append(inert(f"! {clash}") + "\n", style=palette.warning)
        routes = plan.after
        self._confirm(f"Apply to {routes.namespace}/{routes.host}? This is exactly what changes:",
                      notes + diff_text(plan.diff, palette), "Apply this change?", "Apply", lambda: self._apply(plan))

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _apply(self, plan: Plan) -> None:
        host = plan.after.host
        if self.session is None:
            return
        try:
            result = self.session.routes.apply(plan)
        except RouteConflict as exc:
            self.post_message(ApplyConflicted(host, exc))
            return
        except MeshtuiError as exc:
            self.post_message(WriteDone(host, "apply", error=exc.message))
            return
        self.post_message(WriteDone(host, "applied", applied=result))

    def on_apply_conflicted(self, message: ApplyConflicted) -> None:
        from meshtui.ui.screens.text_view import TextViewScreen

        conflict = message.conflict
        who = "meshtui itself (a tour or another view)" if conflict.by_meshtui else "someone else"
        if conflict.replanned is not None and message.host == self.host:
            if self.loaded is not None:
                self.clashes.update(clashes(self.loaded, conflict.replanned.loaded, self.edits))
            self.loaded, self.plan, self.stale = conflict.replanned.loaded, conflict.replanned, None
            after = "Your edits were re-applied on top of it: review the draft, then press a."
            if self.clashes:
                after += "\n" + "\n".join(self.clashes.values())
        else:
            self.stale = conflict.replan_error or "the routes changed"
            after = f"Your edits no longer fit: {conflict.replan_error}. d discards the draft."
        self.app.push_screen(TextViewScreen(inert(f"{message.host}: {who} changed the routes; nothing was written. "
                                                  "Their change:"),
                                            inert_lines(conflict.their_change) + "\n\n" + inert_lines(after)))
        self._draw()

    # -- undo and reset: read in a worker, asked with the diff, then written in a worker ----------
    def action_undo(self) -> None:
        if self.host is None or self._refusal(f"undo routes of {self.host}"):
            return
        self._preview_undo(self.host)

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _preview_undo(self, host: str) -> None:
        if self.session is None:
            return
        try:
            preview = self.session.routes.undo(host, self.namespace, preview=True)
        except UndoRefused as exc:
            self.post_message(UndoBlocked(host, exc.changes))
            return
        except MeshtuiError as exc:
            self.post_message(WriteDone(host, "undo", error=exc.message))
            return
        self.post_message(UndoPreviewed(host, preview))

    def on_undo_previewed(self, message: UndoPreviewed) -> None:
        preview = message.preview
        what = f" ({preview.action})" if preview.action else ""
        detail = diff_text(preview.diff or "(the routes are already as they were before that change)", self.palette())
        self._confirm(f"Undo meshtui's last change to {message.host}{what}? This is exactly what changes:", detail,
                      "Restore the routes from before that change?", "Undo", lambda: self._undo(message.host, False))

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _undo(self, host: str, force: bool) -> None:
        if self.session is None:
            return
        try:
            result = self.session.routes.undo(host, self.namespace, force=force)
        except UndoRefused as exc:
            self.post_message(UndoBlocked(host, exc.changes))
            return
        except MeshtuiError as exc:
            self.post_message(WriteDone(host, "undo", error=exc.message))
            return
        self.post_message(WriteDone(host, "undone", undone=result, lines=result.lines))

    def on_undo_blocked(self, message: UndoBlocked) -> None:
        self._confirm(f"{message.host} changed after meshtui's last write; undo would discard this change:",
                      diff_text(message.changes, self.palette()), "Undo anyway and lose that change?", "Undo anyway",
                      lambda: self._undo(message.host, True))

    def action_reset(self) -> None:
        if self.host is None or self.loaded is None or self._refusal(f"reset routes of {self.host}"):
            return
        self._plan_reset(self.host)

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _plan_reset(self, host: str) -> None:
        if self.session is None:
            return
        try:
            plan = self.session.routes.reset_plan(host, self.namespace)
        except MeshtuiError as exc:
            self.post_message(WriteDone(host, "reset", error=exc.message))
            return
        self.post_message(ResetPlanned(host, plan))

    def on_reset_planned(self, message: ResetPlanned) -> None:
        plan = message.plan
        if not plan.actions:
            self.app.notify(f"{inert(message.host)}: nothing meshtui changed", markup=False)
            return
        palette = self.palette()
        detail = Text(inert_lines("\n".join(plan.actions)) + "\n", style="bold")
        for warning in plan.warnings:
            detail.append(inert(f"! {warning}") + "\n", style=palette.warning)
        detail.append_text(diff_text(plan.diff, palette))
        self._confirm(f"Reset {message.host} to its routes before meshtui changed them?", detail,
                      "Reset? (u undoes the reset)", "Reset", lambda: self._reset(plan))

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _reset(self, plan: ResetPlan) -> None:
        host = plan.loaded.routes.host
        if self.session is None:
            return
        try:
            lines = self.session.routes.apply_reset(plan)
        except MeshtuiError as exc:
            self.post_message(WriteDone(host, "reset", error=exc.message))
            return
        self.post_message(WriteDone(host, "reset", lines=lines))

    def on_write_done(self, message: WriteDone) -> None:
        if message.error:
            self.app.notify(inert(message.error), title=f"{message.what} failed", severity="error", timeout=8, markup=False)
            return
        notices = (message.applied.notices if message.applied else []) + \
            (message.undone.notices if message.undone else [])
        for notice in notices:
            self.app.notify(inert(notice), title="Undo history", severity="warning", timeout=10, markup=False)
        detail = "; ".join(message.lines)
        self.last_applied = f"{message.what} {message.host}" + (f": {detail}" if detail else "") + \
            (" (u undoes it)" if message.what in ("applied", "reset") else "")
        self.app.notify(inert(self.last_applied), markup=False)
        if message.host == self.host:
            self._discard_draft()
            self._reload_routes(message.host)
        self._load_hosts()
