"""Streaming responses of the API server that another thread can cut at any moment.

A follow of a quiet pod's log and a watch of a quiet collection are silent for minutes,
so their reads have no timeout; stopping them is the owner's job, from another thread.
A blocked read returns once the socket under it is shut down (closing the response alone
does not unblock it). That covers the wait for the response too: http.client waits for
the status line inside `getresponse`, before the caller holds any response, so the
connection pools are made to announce each connection to the open on its thread just
before that wait (`announced`), and the owner can shut it down there as well.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

_opening = threading.local()
"""`hook`: told the connection of the open on this thread before its wait for the response (`announced`)."""


class WatchStream:
    """A blocking iterator over watch events that another thread can stop at once."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self._stopped = threading.Event()

    def __iter__(self) -> Iterator[dict]:
        import urllib3

        buffer = b""
        try:
            for chunk in self._response.stream(65536, decode_content=True):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield json.loads(line)
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError, OSError, ValueError):
            if self._stopped.is_set():
                return
            raise
        finally:
            self._response.release_conn()

    def stop(self) -> None:
        """Unblock a pending read (closing the response alone does not)."""
        self._stopped.set()
        shutdown_response(self._response)


def shutdown_response(response: Any) -> None:
    """Shut the socket under a streaming urllib3 response so a blocked read returns."""
    shutdown_connection(response.connection)
    try:
        response.close()
    except Exception:
        pass


def shutdown_connection(connection: Any) -> None:
    """Shut a connection's socket: a read blocked on it returns, the wait for a response too (`announced`)."""
    try:
        connection.sock.shutdown(socket.SHUT_RDWR)  # either may be None by now (closed meanwhile)
    except (OSError, AttributeError):
        pass


@contextmanager
def announced(hook: Callable[[Any], None] | None) -> Iterator[None]:
    """Requests made on this thread meanwhile call `hook(connection)` once sent, before the wait for the
    response: `shutdown_connection` from another thread then ends that wait (the request raises; urllib3
    retries it only when told to retry reads, which the client never is). Needs `make_announcing`."""
    previous, _opening.hook = getattr(_opening, "hook", None), hook
    try:
        yield
    finally:
        _opening.hook = previous


def make_announcing(manager: Any) -> None:
    """Make a urllib3 pool manager's connections announce themselves (`announced`); before its first request.

    Every kind keeps its own pools (a PoolManager's, a ProxyManager's, a SOCKSProxyManager's): each is
    subclassed, only `getresponse` of its connections is wrapped."""
    manager.pool_classes_by_scheme = {scheme: _announcing(pool) for scheme, pool in
                                      manager.pool_classes_by_scheme.items()}


@cache
def _announcing(pool_cls: Any) -> type:
    """`pool_cls` whose connections tell the hook of their thread who they are before the wait for the response
    (http.client's `getresponse`, which reads the status line and has no other way out)."""
    base = pool_cls.ConnectionCls

    def getresponse(self: Any) -> Any:
        hook = getattr(_opening, "hook", None)
        if hook is not None:
            hook(self)
        return base.getresponse(self)

    connection = type(base.__name__, (base,), {"getresponse": getresponse})
    return type(pool_cls.__name__, (pool_cls,), {"ConnectionCls": connection})
