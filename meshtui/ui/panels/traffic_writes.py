"""The Traffic panel's forms and writes: edit forms, apply with diff, conflicts, undo, reset.

The layer of `TrafficPanel` above `TrafficBase`. Forms validate in place (the same parse and plan as the CLI;
the form stays open with the inputs kept while anything is wrong). Apply shows the
engine's diff and defaults, then writes in a worker; a 409 comes back as the other
writer's change (saying when that writer was meshtui itself) with the draft re-based on
it. Undo refuses when the routes changed after meshtui's write and asks before forcing.
"""

from __future__ import annotations

from rich.text import Text
from textual import work

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.domain.text import inert, inert_lines
from meshtui.services.routes import EditRejected, Plan, RouteConflict, UndoRefused
from meshtui.ui.panels.traffic_base import TrafficBase
from meshtui.ui.panels.traffic_forms import FORMS, FormSpec, finding_field
from meshtui.ui.panels.traffic_messages import ApplyConflicted, UndoBlocked, WriteDone
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
            self.app.notify(refusal, title="Safety guard", severity="error", timeout=8, markup=False)
            return True
        return False

    def action_apply(self) -> None:
        if self.stale:
            self.app.notify(f"the draft no longer fits the cluster ({self.stale}); d discards it", severity="error",
                            markup=False)
            return
        plan = self.plan
        if plan is None or not plan.changed:
            self.app.notify("nothing to apply: change something first (arrows, presets, m, f, M, r, b)")
            return
        if self._refusal(f"change routes of {self.host}"):
            return
        if plan.errors:
            self.app.notify("; ".join(f.message for f in plan.errors), title="Invalid", severity="error", timeout=8,
                            markup=False)
            return
        from meshtui.ui.screens.confirm import ConfirmScreen

        palette = self.palette()
        routes = plan.after
        question = Text(inert(f"Apply to {routes.namespace}/{routes.host}? This is exactly what changes:") + "\n\n",
                        style="bold")
        if plan.defaults:
            question.append("Defaults for fields that did not exist: " + ", ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in plan.defaults.items()) + "\n\n", style=palette.warning)
        for line in inert_lines(plan.diff).splitlines():
            colour = (palette.success if line.startswith("+") and not line.startswith("+++") else
                      palette.error if line.startswith("-") and not line.startswith("---") else "")
            question.append(line + "\n", style=colour)

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._apply(plan)
        self.app.push_screen(ConfirmScreen(question, "Apply"), confirmed)

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
            self.loaded, self.plan, self.stale = conflict.replanned.loaded, conflict.replanned, None
            after = "Your edits were re-applied on top of it: review the draft, then press a."
        else:
            self.stale = conflict.replan_error or "the routes changed"
            after = f"Your edits no longer fit: {conflict.replan_error}. d discards the draft."
        self.app.push_screen(TextViewScreen(inert(f"{message.host}: {who} changed the routes; nothing was written. "
                                                  "Their change:"),
                                            inert_lines(conflict.their_change) + "\n\n" + inert_lines(after)))
        self._draw()

    # -- undo and reset ------------------------------------------------------------------
    def action_undo(self) -> None:
        if self.host is None or self._refusal(f"undo routes of {self.host}"):
            return
        self._undo(self.host, False)

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
        from meshtui.ui.screens.confirm import ConfirmScreen

        question = Text(inert(f"{message.host} changed after meshtui's last write; undo would discard this:") + "\n\n",
                        style="bold")
        question.append(inert_lines(message.changes) + "\n\nUndo anyway and lose that change?")

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._undo(message.host, True)
        self.app.push_screen(ConfirmScreen(question, "Undo anyway"), confirmed)

    def action_reset(self) -> None:
        if self.host is None or self.loaded is None or self.session is None \
                or self._refusal(f"reset routes of {self.host}"):
            return
        from meshtui.ui.screens.confirm import ConfirmScreen

        host = self.host
        actions = self.session.routes.reset_actions(self.loaded)
        if not actions:
            self.app.notify(f"{host}: nothing meshtui changed", markup=False)
            return
        question = Text(inert(f"Reset {host} to its routes before meshtui changed them?") + "\n\n")
        question.append(inert_lines("\n".join(actions)) + "\n\nThe undo history of this host is dropped.")

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._reset(host)
        self.app.push_screen(ConfirmScreen(question, "Reset"), confirmed)

    @work(thread=True, exclusive=True, group="traffic-apply", exit_on_error=False)
    def _reset(self, host: str) -> None:
        if self.session is None:
            return
        try:
            lines = self.session.routes.reset(host, self.namespace)
        except MeshtuiError as exc:
            self.post_message(WriteDone(host, "reset", error=exc.message))
            return
        self.post_message(WriteDone(host, "reset", lines=lines))

    def on_write_done(self, message: WriteDone) -> None:
        if message.error:
            self.app.notify(message.error, title=f"{message.what} failed", severity="error", timeout=8, markup=False)
            return
        notices = (message.applied.notices if message.applied else []) + \
            (message.undone.notices if message.undone else [])
        for notice in notices:
            self.app.notify(notice, title="Undo history", severity="warning", timeout=10, markup=False)
        detail = "; ".join(message.lines)
        self.last_applied = f"{message.what} {message.host}" + (f": {detail}" if detail else "") + \
            (" (u undoes it)" if message.what == "applied" else "")
        self.app.notify(inert(self.last_applied), markup=False)
        if message.host == self.host:
            self._discard_draft()
            self._load_routes(message.host)
        self._load_hosts()
