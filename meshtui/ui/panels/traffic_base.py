"""The Traffic panel's loading and live state: cluster routes, the draft, the watch.

The panel holds the cluster's routes (`Loaded`, from the route engine) and a draft, which
is only a list of typed edits; the engine turns them into a `Plan` on top of whatever is
in the cluster now. A watch on the namespace's VirtualServices and DestinationRules
re-reads a host when anyone changes it (kubectl, a tour, another meshtui) and the draft
is re-based on it, or flagged when it no longer fits: it is never applied blind. All
reads happen in workers; handlers only take results and draw (`traffic_render`).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.widgets import DataTable, Static

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.routes import edits as E
from meshtui.domain.text import inert
from meshtui.services.routes import EditRejected, Loaded, Plan
from meshtui.services.routes.planning import clashes
from meshtui.services.routes.ports import TrafficSession
from meshtui.ui.panels.traffic_messages import (
    HostsLoaded,
    RoutesChanged,
    RoutesLoaded,
    WatchStarted,
)
from meshtui.ui.panels.traffic_render import host_row
from meshtui.ui.panels.traffic_view import TrafficView
from meshtui.ui.widgets.keyed_table import KeyedTable


class TrafficBase(TrafficView):
    """Loading and live state for the Traffic panel (see the module docstring)."""

    def _replan(self, edits: list[E.Edit]) -> Plan | None:
        """The plan of `edits` on the cluster's routes (pure; raises EditRejected)."""
        if self.session is None or self.loaded is None or not edits:
            return None
        return self.session.routes.plan_edits(self.loaded, edits)

    # -- session -------------------------------------------------------------------------
    def attach(self, session: TrafficSession) -> None:
        self.detach()
        self.session = session
        self._switch_namespace(session.default_namespace)

    def detach(self) -> None:
        for closable in (self.observer, self.route_watch):
            if closable is not None:
                closable.close()
        self.observer, self.route_watch, self.session = None, None, None

    def _switch_namespace(self, namespace: str) -> None:
        for closable in (self.route_watch, self.observer):
            if closable is not None:
                closable.close()
        self.route_watch, self.observer, self.observation = None, None, None
        self.namespace, self.host, self.loaded, self.hosts = namespace, None, None, []
        self._discard_draft()
        self.last_applied = None
        self.query_one("#hosts", KeyedTable).sync({}, [])
        self.clear(f"loading the hosts of {namespace}…")
        self._start_watch(namespace)
        self._load_hosts()

    @work(thread=True, exclusive=True, group="traffic-watch", exit_on_error=False)
    def _start_watch(self, namespace: str) -> None:
        if self.session is not None:
            def changed() -> None:
                self.post_message(RoutesChanged())
            watch = self.session.routes.watch(namespace, changed)
            self.post_message(WatchStarted(namespace, watch))

    @on(WatchStarted)
    def _watch_started(self, message: WatchStarted) -> None:
        if message.in_namespace != self.namespace or self.session is None:
            message.watch.close()
            return
        if self.route_watch is not None:
            self.route_watch.close()
        self.route_watch = message.watch
        # The watch's first list (and any change) may have come before this handler: its
        # notice found no watch to take from, and the feed does not notify again until taken.
        self._take_changes()

    @on(RoutesChanged)
    def _routes_changed(self, message: RoutesChanged) -> None:
        self._take_changes()

    def _take_changes(self) -> None:
        changed = self.route_watch.take() if self.route_watch is not None else set()
        if changed:
            self._load_hosts()
        if self.host is not None and self.host in changed:
            self._reload_routes(self.host)

    @work(thread=True, exclusive=True, group="traffic-hosts", exit_on_error=False)
    def _load_hosts(self) -> None:
        session, namespace = self.session, self.namespace
        if session is None or namespace is None:
            return
        try:
            hosts = session.routes.hosts(namespace)
        except MeshtuiError as exc:
            self.post_message(HostsLoaded(namespace, [], exc.message))
            return
        self.post_message(HostsLoaded(namespace, hosts))

    @on(HostsLoaded)
    def _hosts_loaded(self, message: HostsLoaded) -> None:
        if message.in_namespace != self.namespace:
            return
        if message.error:
            self._status(message.error, "error")
            return
        self.hosts = message.hosts
        rows = {h.host: host_row(h) for h in self.hosts}
        self.query_one("#hosts", KeyedTable).sync(rows, list(rows))
        self.query_one("#hosts-title", Static).update(Text(inert(f"Hosts in {self.namespace} (◆ meshtui's)")))
        if self.host is None and self.hosts:
            preferred = next((h.host for h in self.hosts if len(h.versions) > 1), self.hosts[0].host)
            self.select_host(preferred)
        elif not self.hosts:
            self.clear(f"no routable hosts in {self.namespace} (n: next namespace)")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        if event.data_table.id == "hosts" and key is not None and key != self.host:
            self.select_host(key)

    def select_host(self, host: str) -> None:
        if self.observer is not None:
            self.observer.close()
        self.host, self.loaded, self.observer, self.observation = host, None, None, None
        self._discard_draft()
        self.last_applied = None
        self.clear(f"loading the routes of {host}…")
        self._reload_routes(host)
        self._host_selected(host)

    def _host_selected(self, host: str) -> None:
        """Hook: the panel starts the observed split of the new host."""

    def _reload_routes(self, host: str) -> None:
        """Read `host`'s routes again; only the newest read's answer is taken."""
        self._reads += 1
        self._load_routes(host, self._reads)

    @work(thread=True, exclusive=True, group="traffic-load", exit_on_error=False)
    def _load_routes(self, host: str, read: int) -> None:
        session, namespace = self.session, self.namespace
        if session is None:
            return
        try:
            loaded = session.routes.load(host, namespace, history=True)
        except MeshtuiError as exc:
            self.post_message(RoutesLoaded(host, None, exc.message, read=read))
            return
        self.post_message(RoutesLoaded(host, loaded, read=read))

    @on(RoutesLoaded)
    def _routes_loaded(self, message: RoutesLoaded) -> None:
        # A read that was overtaken (its thread worker cannot be stopped) carries older routes.
        if message.host != self.host or message.read != self._reads:
            return
        if message.error or message.loaded is None:
            self._status(message.error or "no routes", "error")
            self.query_one("#traffic-rules", Static).update(Text(inert(message.error or ""), style="dim"))
            return
        previous, self.loaded = self.loaded, message.loaded
        for notice in message.loaded.notices:
            self.app.notify(inert(notice), title="Undo history", severity="warning", timeout=10, markup=False)
        if previous is not None and previous.stamp != self.loaded.stamp and self.edits:
            self._rebase(f"{message.host} changed in the cluster", previous)
        names = self.loaded.routes.subset_names
        if self.target not in names:
            self.target = names[1] if len(names) > 1 else (names[0] if names else None)
        self._draw()

    def _rebase(self, why: str, previous: Loaded) -> None:
        """Re-apply the draft's edits on the new cluster routes, or flag the draft when they no longer fit.

        A field the draft sets that the other writer changed too is named: the draft's value wins on apply.
        """
        if self.loaded is not None:
            new = {path: text for path, text in clashes(previous, self.loaded, self.edits).items()
                   if self.clashes.get(path) != text}
            self.clashes.update(new)
        else:
            new = {}
        try:
            self.plan = self._replan(self.edits)
            self.stale = None
            if self.plan is not None and not self.plan.changed:
                self.edits, self.plan, self.clashes = [], None, {}
                self.app.notify(f"{inert(why)}; your draft is already in it", markup=False)
            else:
                self.app.notify(f"{inert(why)}: your draft was re-based on it, review it before applying", markup=False,
                                severity="warning")
                for text in new.values():
                    self.app.notify(inert(text), title="Changed under your draft", severity="warning", timeout=15,
                                    markup=False)
        except EditRejected as exc:
            self.plan, self.stale = None, exc.message
            self.app.notify(f"{inert(why)}: your draft no longer fits ({inert(exc.message)}); d discards it", markup=False,
                            severity="error", timeout=10)

    def _discard_draft(self) -> None:
        self.edits, self.plan, self.stale, self.clashes = [], None, None, {}

    # -- keys that only edit the draft -------------------------------------------------------
    def _edit(self, edit: E.Edit) -> bool:
        if self.loaded is None:
            self.app.notify("select a host first", severity="warning")
            return False
        if self.stale:
            self.app.notify("the draft no longer fits the cluster: d discards it first", severity="error")
            return False
        try:
            self.plan = self._replan([*self.edits, edit])
        except EditRejected as exc:
            self.app.notify(inert(exc.message), severity="error", markup=False)
            return False
        self.edits.append(edit)
        self.last_applied = None
        self._draw()
        return True
