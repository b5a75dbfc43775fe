"""`?watch=true`: one watch stream, behaving as the real API server's does.

It sends the backlog (synthetic ADDED events, or history since the given
resourceVersion) then live events, as one-row Tables when the client asked for Tables
(`kubectl get -w`); a change that makes an object match or stop matching the
selectors arrives as ADDED or DELETED; BOOKMARKs come when asked; the stream ends
after `timeoutSeconds`; a compacted version gets an ERROR event carrying a 410
Status; the `drop_watches_every` fault cuts the connection mid-stream. A client that
goes away (even before the headers are written) ends its watch quietly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiohttp import web

from meshtui.sim import tables
from meshtui.sim.api import dumps, served
from meshtui.sim.resources import ResourceType
from meshtui.sim.state import SimState
from meshtui.sim.store import ApiError, WatchEvent

log = logging.getLogger("meshtui.sim")
BOOKMARK_EVERY = 5.0
Matcher = Callable[[dict], bool]


def event_line(rt: ResourceType, event: WatchEvent, matches: Matcher, namespace: str | None,
               as_table: bool = False) -> bytes | None:
    """The JSON line a watcher of `rt` (in `namespace`, with `matches`) sees for `event`, if any.

    A client that asked for Tables (`kubectl get -w`) gets each object as a one-row Table.
    """
    if namespace is not None and event.namespace != namespace:
        return None
    kind = event.type
    now_matches = matches(event.obj)
    if kind == "MODIFIED" and event.old is not None:
        was = matches(event.old)
        if was and not now_matches:
            kind = "DELETED"
        elif not was and now_matches:
            kind = "ADDED"
        elif not was:
            return None
    elif not now_matches:
        return None
    if as_table:
        return dumps({"type": kind, "object": tables.to_table(rt, [event.obj], str(event.rv))}) + b"\n"
    return dumps({"type": kind, "object": served(rt, event.obj)}) + b"\n"


async def serve(state: SimState, request: web.Request, rt: ResourceType, namespace: str | None,
                matches: Matcher) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    try:
        watcher, backlog = state.store.open_watch(rt, namespace, matches, request.query.get("resourceVersion"))
    except ApiError as exc:
        if exc.code != 410:
            raise
        try:
            await response.prepare(request)
            await response.write(dumps({"type": "ERROR", "object": exc.status()}) + b"\n")
        except ConnectionResetError:
            log.debug("watch client went away before its 410 was sent")
        return response
    timeout = request.query.get("timeoutSeconds")
    deadline = time.monotonic() + (float(timeout) if timeout else 1800.0)
    opened = time.monotonic()
    bookmarks = request.query.get("allowWatchBookmarks", "").lower() in ("true", "1")
    as_table = "as=Table" in request.headers.get("Accept", "")
    try:
        await response.prepare(request)  # the client may already be gone: aiohttp refuses a closing transport
        for past in backlog:
            line = event_line(rt, past, matches, namespace, as_table)
            if line:
                await response.write(line)
        next_bookmark = time.monotonic() + BOOKMARK_EVERY
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            drop_every = state.faults.drop_watches_every  # read live: applies to open streams too
            if drop_every and now - opened >= drop_every:
                if request.transport is not None:
                    request.transport.close()
                return response
            wait = min(deadline, next_bookmark, now + 0.25) - now
            try:
                event = await asyncio.wait_for(watcher.queue.get(), max(wait, 0.01))
            except asyncio.TimeoutError:
                if bookmarks and time.monotonic() >= next_bookmark:
                    await response.write(dumps({"type": "BOOKMARK", "object": {
                        "kind": rt.kind, "apiVersion": rt.api_version,
                        "metadata": {"resourceVersion": str(state.store.rv)}}}) + b"\n")
                    next_bookmark = time.monotonic() + BOOKMARK_EVERY
                continue
            if event is None:  # the client fell too far behind
                break
            chunk = [event_line(rt, event, matches, namespace, as_table)]
            while not watcher.queue.empty() and len(chunk) < 500:
                more = watcher.queue.get_nowait()
                if more is None:
                    break
                chunk.append(event_line(rt, more, matches, namespace, as_table))
            data = b"".join(c for c in chunk if c)
            if data:
                await response.write(data)
    except (ConnectionResetError, asyncio.CancelledError):
        log.debug("watch client went away")  # normal: a client stops watching when it likes
    finally:
        state.store.close_watch(watcher)
    return response
