"""`limit` and `continue` on lists: pages read from one snapshot, as the API server serves them.

A list with `limit=N` returns at most N items in key order (namespace, name) and, when
keys remain after the last one it read, `metadata.continue` plus `remainingItemCount`
(only without selectors: with a filter the server cannot know). The token is the API
server's own: base64url of `{"v": "meta.k8s.io/v1", "rv": N, "start": "<key>\\x00"}`, the
key relative to the list's path. Every later page is read from the first page's snapshot
and carries its resourceVersion, so objects created, changed or deleted between pages
never show. A snapshot holds the store's dicts (never changed in place), lives
`continue_lifetime` seconds (5 minutes on a real server), at most MAX_SNAPSHOTS are kept,
and compaction (`POST /_sim/compact`, or the watch history rolling over) drops older ones;
a token whose snapshot is gone gets 410 Expired with a token for the rest of the list as
it is now (`rv: -1`, an inconsistent remainder), as etcd's compaction answers. A token
that does not decode gets 400. A `resourceVersion=0` list is the watch cache's, which
ignores `limit` (until Kubernetes 1.33); `limit=0` or none means everything.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from meshtui.sim.errors import ApiError, bad_request
from meshtui.sim.resources import ResourceType
from meshtui.sim.store import Store

MAX_SNAPSHOTS = 16
TOKEN_VERSION = "meta.k8s.io/v1"
EXPIRED = ("The provided continue parameter is too old to display a consistent list result. You can start a new "
           "list without the continue parameter, or use the continue token in this response to retrieve the "
           "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
           "that were created, modified, or deleted between the time the first chunk was returned and now may "
           "show up in the list.")
Key = tuple[str, str]
_URL_BASE64 = re.compile(r"[A-Za-z0-9_-]*")


@dataclass
class Snapshot:
    """One collection (storage key) at one resourceVersion, sorted by key."""

    rv: int
    keys: list[Key]
    objects: list[dict]
    taken: float = field(default_factory=time.monotonic)


@dataclass
class Page:
    items: list[dict]
    resource_version: str
    token: str | None = None
    remaining: int | None = None

    def meta(self) -> dict:
        """The list's metadata (ListMeta)."""
        meta: dict = {"resourceVersion": self.resource_version}
        if self.token:
            meta["continue"] = self.token
        if self.remaining is not None:
            meta["remainingItemCount"] = self.remaining
        return meta


def encode(rv: int, start: str) -> str:
    data = json.dumps({"v": TOKEN_VERSION, "rv": rv, "start": start}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _invalid(reason: str) -> ApiError:
    return bad_request(f"invalid continue token: continue key is not valid{reason}")


def decode(token: str) -> tuple[int, str]:
    """(resourceVersion, start key) of a token, or 400 as `storage.DecodeContinue` words it."""
    clean = _URL_BASE64.match(token)
    at = clean.end() if clean is not None else 0
    if at < len(token) or len(token) % 4 == 1:
        raise _invalid(f": illegal base64 data at input byte {min(at, len(token) - 1)}")
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _invalid(f": {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rv", 0), int) or not isinstance(data.get("start", ""), str):
        raise _invalid(": json: cannot unmarshal into Go value of type storage.continueToken")
    if data.get("v") != TOKEN_VERSION:
        raise _invalid(f": server does not recognize this encoded version {data.get('v')}")
    rv, start = data.get("rv", 0), data.get("start", "")
    if rv == 0:
        raise _invalid(": incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    if not start:
        raise _invalid(": encoded start key empty (version meta.k8s.io/v1)")
    rooted = start if start.startswith("/") else "/" + start
    if posixpath.normpath(rooted) != rooted or rooted.startswith("//"):  # no climbing out of the list's path
        raise _invalid(f": {start}")
    return rv, rooted[1:]


def _limit(raw: str | None) -> int:
    try:
        return int(raw) if raw else 0
    except ValueError:
        raise bad_request(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None


class Pager:
    """Serves lists in pages from bounded, expiring snapshots of the store."""

    def __init__(self, store: Store, lifetime: Callable[[], float]) -> None:
        self.store = store
        self.lifetime = lifetime
        self.snapshots: OrderedDict[tuple[str, int], Snapshot] = OrderedDict()

    def page(self, rt: ResourceType, namespace: str | None, matches: Callable[[dict], bool], query: dict,
             filtered: bool) -> Page:
        """The page `query` (limit, continue, resourceVersion) asks for."""
        limit, token = _limit(query.get("limit")), query.get("continue")
        if token:
            if query.get("resourceVersion") not in (None, "", "0"):
                raise bad_request("specifying resource version is not allowed when using continue")
            rv, start = decode(token)
            snapshot = self._take(rt) if rv < 0 else self._find(rt, rv, start)
            after = bisect_right(snapshot.keys, self._key(rt, namespace, start))
        elif limit <= 0 or query.get("resourceVersion") == "0":
            return Page(self.store.list(rt, namespace, matches), str(self.store.rv))
        else:
            snapshot, after = self._take(rt), 0
        begin, end = 0, len(snapshot.keys)
        if namespace:  # the namespace's keys, whatever a token says
            begin = bisect_left(snapshot.keys, (namespace, ""))
            end = bisect_left(snapshot.keys, (namespace + "\x00", ""))
        at = max(begin, after)
        items: list[dict] = []
        while at < end and (limit <= 0 or len(items) < limit):
            if matches(snapshot.objects[at]):
                items.append(snapshot.objects[at])
            at += 1
        page = Page(items, str(snapshot.rv))
        if at < end:
            last = snapshot.keys[at - 1]
            relative = last[1] if namespace or not rt.namespaced else f"{last[0]}/{last[1]}"
            page.token = encode(snapshot.rv, relative + "\x00")
            page.remaining = None if filtered else end - at
            self._keep(rt, snapshot)
        return page

    @staticmethod
    def _key(rt: ResourceType, namespace: str | None, start: str) -> Key:
        """The store key a token's start (relative to the list's path) names; pages resume after it."""
        relative = start[:-1] if start.endswith("\x00") else start
        if namespace:
            return namespace, relative
        if not rt.namespaced:
            return "", relative
        ns, _, name = relative.partition("/")
        return ns, name

    def _take(self, rt: ResourceType) -> Snapshot:
        """The collection now: the kept snapshot at this version, or a new one (kept once a token names it)."""
        kept = self.snapshots.get((rt.storage_key, self.store.rv))
        if kept is not None:
            kept.taken = time.monotonic()
            return kept
        rows = sorted(self.store.bucket(rt).items())
        return Snapshot(self.store.rv, [k for k, _ in rows], [o for _, o in rows])

    def _keep(self, rt: ResourceType, snapshot: Snapshot) -> None:
        """Keep `snapshot` for its tokens; expired ones go now (they pin old objects), the oldest beyond the cap."""
        for key in [k for k, kept in self.snapshots.items() if self._expired(kept)]:
            del self.snapshots[key]
        self.snapshots[(rt.storage_key, snapshot.rv)] = snapshot
        self.snapshots.move_to_end((rt.storage_key, snapshot.rv))
        while len(self.snapshots) > MAX_SNAPSHOTS:
            self.snapshots.popitem(last=False)

    def _expired(self, snapshot: Snapshot) -> bool:
        return time.monotonic() - snapshot.taken >= self.lifetime() or snapshot.rv < self.store.floor

    def _find(self, rt: ResourceType, rv: int, start: str) -> Snapshot:
        """The snapshot a token names, or 410 Expired with a token for the rest as it is now."""
        snapshot = self.snapshots.get((rt.storage_key, rv))
        if snapshot is not None and self._expired(snapshot):
            del self.snapshots[(rt.storage_key, rv)]
            snapshot = None
        if snapshot is None:
            raise ApiError(410, "Expired", EXPIRED, metadata={"continue": encode(-1, start)})
        self.snapshots.move_to_end((rt.storage_key, rv))
        return snapshot
