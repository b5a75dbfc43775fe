"""Listing a collection: page by page, and once for every feed that asks for it at the same moment.

A list of 20,000 pods costs the API server seconds to serialise and this process half a
second to decode; two feeds of the same collection start together when the TUI connects
(the Overview's and the Resources panel's). `Listings.get` lets the second wait for the
first one's request and share the decoded objects (read-only; each feed transforms them
itself). The pages (`limit`/`continue`, as kubectl asks) keep a big list from being one
response in memory on a server that honours them.

A feed's first list asks for `resourceVersion=0`, as client-go's informers (and so k9s) do: the
API server answers from its watch cache, in one response whatever the limit, instead of 41
consistent reads of 500 pods from etcd; the watch then brings anything newer. A relist after
the watch's history expired asks for the newest state (no version), page by page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from meshtui.adapters.kube import KubeClient


@dataclass
class _Listing:
    done: threading.Event = field(default_factory=threading.Event)
    objects: list[dict] = field(default_factory=list)
    version: str | None = None
    error: BaseException | None = None


class Listings:
    """Lists in flight, by (client, path, selectors): a second feed of the same collection (the Overview's
    pods and the Resources panel's, both started with the session) waits for the first one's request
    instead of asking the API server to serialise 20,000 pods twice and decoding them twice. The decoded
    objects are shared read-only; each feed applies its own transform."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inflight: dict[tuple[int, str, tuple[tuple[str, str | None], ...], bool], _Listing] = {}

    def get(self, kube: KubeClient, path: str, selectors: dict[str, str | None], page: int,
            stop: threading.Event, *, cached: bool = False) -> tuple[list[dict], str | None]:
        key = (id(kube), path, tuple(sorted(selectors.items())), cached)
        while True:
            with self._lock:
                listing = self._inflight.get(key)
                leader = listing is None
                if listing is None:
                    listing = self._inflight[key] = _Listing()
            if leader:
                return self._lead(key, listing, kube, path, selectors, page, stop, cached)
            while not listing.done.wait(0.1):
                if stop.is_set():
                    return [], None
            if isinstance(listing.error, _Abandoned):
                continue  # its feed was stopped half-way: list again
            if listing.error is not None:
                raise listing.error
            return listing.objects, listing.version

    def _lead(self, key: tuple[int, str, tuple[tuple[str, str | None], ...], bool], listing: _Listing,
              kube: KubeClient, path: str, selectors: dict[str, str | None], page: int, stop: threading.Event,
              cached: bool) -> tuple[list[dict], str | None]:
        try:
            listing.objects, listing.version = read_pages(kube, path, selectors, page, stop, cached=cached)
            if stop.is_set():
                listing.error = _Abandoned()
        except BaseException as exc:
            listing.error = exc
            raise
        finally:
            with self._lock:
                del self._inflight[key]
            listing.done.set()
        return listing.objects, listing.version


class _Abandoned(Exception):
    """The feed that was listing for others stopped before the list was complete."""


def read_pages(kube: KubeClient, path: str, selectors: dict[str, str | None], page: int,
               stop: threading.Event, *, cached: bool = False) -> tuple[list[dict], str | None]:
    """Every object of the collection, page by page (`limit`/`continue`), and the list's version. `cached`:
    the first page may come from the server's watch cache (`resourceVersion=0`; it then ignores the limit)."""
    objects: list[dict] = []
    version: str | None = None
    token: str | None = None
    while not stop.is_set():
        query = {**selectors, "limit": page, "continue": token}
        if cached and token is None:
            query["resourceVersion"] = "0"
        data = kube.request("GET", path, query=query, timeout=(5.0, 60.0))  # big bodies decode with the collector paused
        objects.extend(data.get("items", []))
        meta = data.get("metadata", {})
        version = version or meta.get("resourceVersion")  # every page is read at the first page's version
        token = meta.get("continue") or None
        if token is None:
            break
    return objects, version


LISTINGS = Listings()
