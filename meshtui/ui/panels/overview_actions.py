"""The Overview's keys: filter, namespace, sort, logs, describe, delete, relist.

A key that opens or closes the filter acts synchronously (priority binding, focus set
with `Screen.set_focus`, not the deferred `Widget.focus()`), so the next key of a burst
already goes where the user now looks: typing `/catalog` never lets `l` reach the pods
table and open the Logs panel. A filter or sort change rebuilds the store's order once
and repaints the visible rows; nothing is rebuilt per row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Input, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.pod_view import SORTS, PodView
from meshtui.domain.text import inert
from meshtui.domain.workloads import PodSummary
from meshtui.ui.messages import DescribeLoaded, LogsRequested
from meshtui.ui.text import safe_text_lines
from meshtui.ui.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from meshtui.ui.panels.overview_rows import OverviewSession

FILTER_DELAY = 0.05
FILTER_LONGEST = 0.2


class FilterInput(Input):
    """The pods filter box: Enter applies it at once (a priority binding runs before the next key is routed)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "apply", "Apply filter", show=False, priority=True)]

    def __init__(self, on_apply: Callable[[], None], *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self._on_apply = on_apply

    def action_apply(self) -> None:
        self._on_apply()


class OverviewActions(Vertical):
    """The Overview panel's keys and actions (`OverviewPanel` adds feeds and drawing)."""

    view: PodView
    session: OverviewSession | None
    namespaces: list[str]
    _filter_timer: Timer | None = None
    _filter_since = 0.0

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#pods", VirtualTable)

    def _failed(self, job: str, text: str | None) -> None:
        raise NotImplementedError

    def _show_order(self) -> None:
        """The store's order changed as a whole: the table keeps its cursor's pod, repaints what is visible."""
        table = self.table
        table.sorted_by = (self.view.sort_by, self.view.reverse)
        table.rows_moved()
        table.rows_changed(None)
        self._show_filter_note()
        self._schedule_health()

    def _show_filter_note(self) -> None:
        """A bad or too slow regex says why next to the filter box."""
        self.query_one("#filter-note", Static).update(Content(self.view.filter.error or ""))

    def _schedule_health(self) -> None:
        raise NotImplementedError

    # -- filter ------------------------------------------------------------------------
    @property
    def filter_box(self) -> Input:
        return self.query_one("#pod-filter", Input)

    def action_filter(self) -> None:
        box = self.filter_box
        box.display = True
        self.screen.set_focus(box)  # now, not after the keys already queued behind `/`

    def action_apply_filter(self) -> None:
        self._apply_filter()
        self.screen.set_focus(self.table)

    def action_clear_filter(self) -> None:
        box = self.filter_box
        box.value = ""
        box.display = False
        self.view.configure(filter_text="")
        self._show_order()
        self.screen.set_focus(self.table)

    @on(Input.Changed, "#pod-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Filter 50 ms after the last key of a burst (a paste filters once), at the latest 200 ms after its first."""
        now = time.monotonic()
        timer = self._filter_timer
        if timer is not None and now - self._filter_since < FILTER_LONGEST:
            timer.reset()
            return
        if timer is None:
            self._filter_since = now
            self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    def _apply_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if self.view.configure(filter_text=self.filter_box.value):
            self._show_order()

    # -- namespace and sort ------------------------------------------------------------
    def action_next_namespace(self) -> None:
        choices: list[str | None] = [None, *self.namespaces]
        index = choices.index(self.view.namespace) if self.view.namespace in choices else 0
        self.view.configure(namespace=choices[(index + 1) % len(choices)])
        self.query_one("#namespace-label", Static).update(Content(f"namespace: {self.view.namespace or 'all'}"))
        self._show_order()

    def action_sort(self) -> None:
        self._sort(SORTS[(SORTS.index(self.view.sort_by) + 1) % len(SORTS)], self.view.reverse)

    def action_reverse_sort(self) -> None:
        self._sort(self.view.sort_by, not self.view.reverse)

    def _sort(self, by: str, reverse: bool) -> None:
        self.view.configure(sort_by=by, reverse=reverse)
        arrow = "↓" if reverse else "↑"
        self.query_one("#sort-label", Static).update(Content(f"sort: {by} {arrow}"))
        self._show_order()

    @on(VirtualTable.HeaderSelected, "#pods")
    def _header_selected(self, event: VirtualTable.HeaderSelected) -> None:
        if event.column in SORTS:
            reverse = (not self.view.reverse) if event.column == self.view.sort_by else False
            self._sort(event.column, reverse)

    # -- the selected pod --------------------------------------------------------------
    def selected_pod(self) -> PodSummary | None:
        key = self.table.cursor_key
        return self.view.pods.get(key) if key else None

    def select_app(self, app: str, namespace: str | None = None) -> bool:
        """Put the cursor on the first pod of `app` (a tour's show-me); False when none is listed."""
        if self.view.filter.text:
            self.action_clear_filter()
        for key in self.view.keys():
            pod = self.view.pods[key]
            if pod.app == app and (namespace is None or pod.namespace == namespace):
                self.table.select_key(key)
                self.screen.set_focus(self.table)
                return True
        self.app.notify(f"no pod of {inert(app)} is listed", severity="warning", markup=False)
        return False

    def _pod_or_warn(self) -> PodSummary | None:
        pod = self.selected_pod()
        if pod is None:
            self.app.notify("select a pod first", severity="warning")
        return pod

    def action_logs(self) -> None:
        pod = self._pod_or_warn()
        if pod is not None:
            self.post_message(LogsRequested(f"pod/{pod.name}", pod.namespace))

    def action_describe(self) -> None:
        pod = self._pod_or_warn()
        if pod is not None and self.session is not None:
            self._describe(self.session, pod.namespace, pod.name)

    @work(thread=True, exclusive=True, group="describe", exit_on_error=False)
    def _describe(self, session: OverviewSession, namespace: str, name: str) -> None:
        try:
            text = session.cluster.describe(namespace, name)
        except MeshtuiError as exc:
            self.app.call_from_thread(self._failed, "describe", exc.message)
            self.app.call_from_thread(self.app.notify, inert(exc.message), severity="error", markup=False)
            return
        self.app.call_from_thread(self._failed, "describe", None)
        self.post_message(DescribeLoaded(f"pod {namespace}/{name}", text))

    def action_delete_pod(self) -> None:
        pod = self._pod_or_warn()
        session = self.session
        if pod is None or session is None:
            return
        refusal = session.guard.refusal(f"delete pod {pod.key}")
        if refusal:
            self.app.notify(inert(refusal), title="Safety guard", severity="error", timeout=8, markup=False)
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._delete(session, pod.namespace, pod.name)
        from meshtui.ui.screens.confirm import ConfirmScreen

        question = safe_text_lines(f"Delete pod {pod.key}?\nIts controller will create a replacement.")
        self.app.push_screen(ConfirmScreen(question, "Delete"), confirmed)

    @work(thread=True, group="delete", exit_on_error=False)
    def _delete(self, session: OverviewSession, namespace: str, name: str) -> None:
        try:
            session.cluster.delete_pod(namespace, name)
        except MeshtuiError as exc:
            self.app.call_from_thread(self._failed, "delete", exc.message)
            self.app.call_from_thread(self.app.notify, inert(exc.message), severity="error", markup=False)
            return
        self.app.call_from_thread(self._failed, "delete", None)
        self.app.call_from_thread(self.app.notify, f"deleted pod {inert(namespace)}/{inert(name)}", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete_pod" and self.session is not None and self.session.guard.read_only:
            return False
        if action in ("filter", "clear_filter"):
            try:
                box = self.filter_box
            except NoMatches:  # not composed yet
                return action == "filter"
            if action == "filter":  # `/` typed into the box is text (Textual does not see "slash" as a character)
                return self.screen.focused is not box  # not `has_focus`: that follows one message later
            return box.display or bool(self.view.filter.text)
        return True
