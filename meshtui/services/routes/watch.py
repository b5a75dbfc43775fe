"""Live VirtualServices and DestinationRules of one namespace, for the Traffic panel.

Two list-then-watch feeds (`services.feed.ResourceFeed`: resumes dropped streams,
relists on 410) reduced to what the panel needs: "something changed since you last
looked" (`on_change`, called once per burst on the feed thread) and `take()`, the
names of the hosts whose objects changed. The panel then re-reads those routes through
the engine, so an external `kubectl edit`, a tour's show-me or another meshtui shows
within the time of one watch event plus one read.
"""

from __future__ import annotations

from collections.abc import Callable

from meshtui.adapters.kube import KubeClient
from meshtui.services.feed import FeedState, ResourceFeed


def _hosts_of(obj: dict) -> tuple[str, str, tuple[str, ...]]:
    """(resourceVersion, namespace, short hosts) of a VS or DR: what the panel compares."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    raw = spec.get("hosts")
    hosts: list = raw if isinstance(raw, list) else [spec.get("host", "")]
    return (str(meta.get("resourceVersion", "")), str(meta.get("namespace", "")),
            tuple(sorted({str(h).split(".")[0] for h in hosts if h})))


class RouteWatch:
    """Watches the Istio route objects of one namespace; thread-safe `take()`."""

    def __init__(self, kube: KubeClient, paths: list[str], on_change: Callable[[], None]) -> None:
        self.feeds = [ResourceFeed(kube, path, name=f"routes:{path.rsplit('/', 1)[-1]}", transform=_hosts_of,
                                   on_change=on_change) for path in paths]
        self._known: dict[str, tuple[str, str, tuple[str, ...]]] = {}

    def start(self) -> RouteWatch:
        for feed in self.feeds:
            feed.start()
        return self

    def take(self) -> set[str]:
        """Hosts whose VS or DR was added, changed or deleted since the last call."""
        changed: set[str] = set()
        for feed in self.feeds:
            changes = feed.drain()
            prefix = feed.name + "|"
            if changes.resynced:
                stale = {k for k in self._known if k.startswith(prefix) and k[len(prefix):] not in changes.upserts}
                for key in stale:
                    changed.update(self._known.pop(key)[2])
            for key, value in changes.upserts.items():
                previous = self._known.get(prefix + key)
                if previous != value:
                    changed.update(value[2])
                    if previous is not None:
                        changed.update(previous[2])
                self._known[prefix + key] = value
            for key in changes.deletes:
                gone = self._known.pop(prefix + key, None)
                if gone is not None:
                    changed.update(gone[2])
        return changed

    @property
    def live(self) -> bool:
        return all(feed.state is FeedState.LIVE for feed in self.feeds)

    @property
    def error(self) -> str | None:
        return next((feed.error for feed in self.feeds if feed.error), None)

    def close(self) -> None:
        for feed in self.feeds:
            feed.stop()
