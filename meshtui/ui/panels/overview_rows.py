"""What the Overview draws: pod, node and event rows as (text, tone) cells, and the health line.

Kept apart from the panel so the formatting is plain functions of (model, clock): the
panel passes `now`, a table asks for the cells of only the rows on screen. Every string
here that came from the cluster reaches the screen as a cell (made inert by the table)
or through `inert()` into a `Content` that is never parsed as markup, so an event
message like `mount failed [/var/lib/kubelet/pods]` shows as written. Colours are theme
variables (`$success`, tones resolved by the table's CSS), so a theme switch needs no
help from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Protocol, TypeVar

from textual.content import Content

from meshtui.domain.pod_view import PodView
from meshtui.domain.text import inert
from meshtui.domain.workloads import EventSummary, Health, NodeSummary, PodSummary, human_age
from meshtui.ui.widgets.virtual_table import Cell, Column

if TYPE_CHECKING:  # the services (and the HTTP/YAML stack under them) load with the session, after the first frame
    from meshtui.services.cluster import ProbeResult
    from meshtui.services.feed import FeedState

T_co = TypeVar("T_co", covariant=True)

POD_COLUMNS = [Column("NAMESPACE", "namespace"), Column("NAME", "name", max_width=80), Column("READY", "ready"),
               Column("STATUS", "status", max_width=32), Column("RESTARTS", "restarts"), Column("AGE", "age"),
               Column("NODE", "node", max_width=48), Column("VERSION", "version", max_width=24),
               Column("SIDECAR", "sidecar")]
NODE_COLUMNS = [Column("NAME", "name", max_width=48), Column("STATUS", "status"), Column("ROLES", "roles"),
                Column("AGE", "age"), Column("VERSION", "version")]
EVENT_COLUMNS = [Column("SEEN", "seen"), Column("REASON", "reason", max_width=28),
                 Column("OBJECT", "object", max_width=60), Column("MESSAGE", "message", max_width=400)]
EVENTS_SHOWN = 200


class FeedBatch(Protocol[T_co]):
    """One drained batch of a feed (services.feed.FeedChanges), read-only."""

    @property
    def resynced(self) -> bool: ...

    @property
    def upserts(self) -> Mapping[str, T_co]: ...

    @property
    def deletes(self) -> AbstractSet[str]: ...


class LiveFeed(Protocol[T_co]):
    """What the Overview reads from a list-then-watch feed (services.feed.ResourceFeed)."""

    @property
    def state(self) -> FeedState: ...

    @property
    def error(self) -> str | None: ...

    def drain(self) -> FeedBatch[T_co]: ...

    def snapshot(self) -> Mapping[str, T_co]: ...

    def stop(self) -> None: ...


class OverviewCluster(Protocol):
    def istio_version(self) -> str | None: ...

    def probe_ingress(self) -> ProbeResult: ...

    def describe(self, namespace: str, name: str) -> str: ...

    def delete_pod(self, namespace: str, name: str) -> None: ...


class OverviewGuard(Protocol):
    @property
    def read_only(self) -> bool: ...

    def refusal(self, action: str) -> str | None: ...


class OverviewSession(Protocol):
    """The part of the session the Overview uses."""

    @property
    def cluster(self) -> OverviewCluster: ...

    @property
    def guard(self) -> OverviewGuard: ...

    def feed(self, name: str, on_change: Callable[[], None]) -> LiveFeed[object]: ...


def status_tone(pod: PodSummary) -> str:
    if pod.status in ("Running", "Completed", "Succeeded") and (pod.is_ready or pod.status != "Running"):
        return "ok"
    if pod.status in ("Pending", "ContainerCreating", "Running", "Terminating", "PodInitializing"):
        return "warn"
    return "bad"


def pod_cells(pod: PodSummary, now: float) -> tuple[Cell, ...]:
    restarts = str(pod.restarts)
    if pod.last_restart is not None:
        restarts += f" ({human_age(now - pod.last_restart)} ago)"
    return ((pod.namespace, ""), (pod.name, ""), (pod.ready_text(), "ok" if pod.is_ready else "warn"),
            (pod.status, status_tone(pod)), (restarts, ""), (human_age(now - pod.created if pod.created else None), ""),
            (pod.node, ""), (pod.version or "-", ""), ("yes", "") if pod.sidecar else ("—", "muted"))


class PodRows:
    """The pod store as a table's `RowSource`; cells are formatted on demand at the panel's clock."""

    def __init__(self, view: PodView) -> None:
        self.view = view
        self.now = 0.0

    def __len__(self) -> int:
        return len(self.view)

    def key_at(self, index: int) -> str:
        return self.view.key_at(index)

    def index_of(self, key: str) -> int | None:
        return self.view.index_of(key)

    def cells(self, key: str) -> Sequence[Cell]:
        return pod_cells(self.view.pods[key], self.now)

    def widths(self) -> dict[str, int]:
        """Widths the whole store needs (so columns do not jump while scrolling)."""
        return dict(self.view.widths)


def node_rows(nodes: Iterable[NodeSummary], now: float) -> tuple[dict[str, Sequence[Cell]], list[str]]:
    ordered = sorted(nodes, key=lambda n: n.name)
    rows: dict[str, Sequence[Cell]] = {
        n.key: ((n.name, ""), ("Ready", "ok") if n.ready else ("NotReady", "bad"), (n.roles, ""),
                (human_age(now - n.created if n.created else None), ""), (n.version, "")) for n in ordered}
    return rows, [n.key for n in ordered]


def event_rows(events: Iterable[EventSummary], now: float) -> tuple[dict[str, Sequence[Cell]], list[str]]:
    newest = sorted(events, key=lambda e: -(e.last_seen or 0))[:EVENTS_SHOWN]
    rows: dict[str, Sequence[Cell]] = {
        e.key: ((human_age(now - e.last_seen if e.last_seen else None), ""), (e.reason, "warn"), (e.object, ""),
                (e.message, "")) for e in newest}
    return rows, [e.key for e in newest]


def health_line(summary: Health, shown: int, nodes_ready: int, nodes: int, states: set[str], errors: list[str],
                ingress: ProbeResult | None, connected: bool) -> Content:
    """The one-line summary above the pods; external text (errors, statuses) is made inert."""
    def tone(good: bool) -> str:
        return "$success" if good else "$warning"

    parts: list[str | tuple[str, str]] = [
        (f"{summary.pods} pods", "bold"), f" ({shown} shown)  ",
        (f"{summary.not_ready} not ready", tone(not summary.not_ready)), "  ",
        (f"{summary.restarts_10m} restarted in 10m", tone(not summary.restarts_10m)),
        f"  {nodes_ready}/{nodes} nodes ready  {summary.warnings} warnings"]
    if ingress is not None:
        if ingress.url is None:
            parts.append(("  ingress: not reachable", "$warning"))
        else:
            parts.append((f"  ingress {ingress.status or 'down'}", "$success" if ingress.ok else "$error"))
            if ingress.latency_ms is not None:
                parts.append(f" ({ingress.latency_ms:.0f} ms)")
    if not connected:
        parts.append(("  ○ not connected", "$error"))
    elif "reconnecting" in states:
        parts.append((f"  ◌ reconnecting: {inert(errors[0]) if errors else ''}", "$warning"))
    elif states == {"live"}:
        parts.append(("  ● live", "$success"))
    else:
        parts.append(("  ◌ connecting", "$warning"))
    return Content.assemble(*parts)
