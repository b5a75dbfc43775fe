"""A client that goes away while the sim prepares a stream's headers is normal: the stream ends quietly.

The client sends its request and closes the connection at once; the injected API latency makes
the sim write its headers on the closing transport, which aiohttp refuses ("Cannot write to
closing transport"). No traceback may be logged, and the watch must be unregistered.
"""

from __future__ import annotations

import logging
import socket
import time

import pytest

from meshtui.sim import SimCluster
from tests.sim.conftest import SimFactory


def leave_early(sim: SimCluster, path: str, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Send GET `path`, hang up before the answer; the records logged until the sim saw the client go."""
    caplog.set_level(logging.DEBUG, logger="meshtui.sim")
    sim.set_faults(api_latency_ms=300)
    port = int(sim.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: sim\r\nAccept: application/json\r\n\r\n".encode())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the sim says the client went, or aiohttp logs the failure
        records = list(caplog.records)
        if any("went away" in r.getMessage() or r.levelno >= logging.ERROR for r in records):
            sim.set_faults(api_latency_ms=0)
            return records
        time.sleep(0.05)
    raise AssertionError("the sim never answered the request")


def watchers(sim: SimCluster) -> int:
    assert sim.state is not None
    store = sim.state.store
    return sim.call(lambda: sum(len(w) for w in store.watchers.values()))


def test_a_watch_client_leaving_before_the_headers_ends_quietly(sim_factory: SimFactory,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    sim = sim_factory()
    records = leave_early(sim, "/api/v1/namespaces/shop/pods?watch=true", caplog)
    assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []
    assert watchers(sim) == 0


def test_an_expired_watch_client_leaving_before_the_headers_ends_quietly(sim_factory: SimFactory,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    sim = sim_factory()
    records = leave_early(sim, "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=1", caplog)
    assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []


def test_a_log_client_leaving_before_the_headers_ends_quietly(sim_factory: SimFactory,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    sim = sim_factory()
    assert sim.state is not None
    pods = sim.call(lambda: sim.state.store.list(sim.state.type("pods"), "shop"))  # type: ignore[union-attr]
    pod = next(p for p in pods if p["metadata"]["name"].startswith("catalog-"))
    path = f"/api/v1/namespaces/shop/pods/{pod['metadata']['name']}/log?container=catalog&follow=true"
    records = leave_early(sim, path, caplog)
    assert [r.getMessage() for r in records if r.levelno >= logging.WARNING] == []


def test_a_client_leaving_mid_body_ends_quietly(sim_factory: SimFactory, caplog: pytest.LogCaptureFixture) -> None:
    sim = sim_factory()
    caplog.set_level(logging.DEBUG, logger="meshtui.sim")
    port = int(sim.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as sock:  # half a body, then gone
        sock.sendall(b"POST /api/v1/namespaces/shop/configmaps HTTP/1.1\r\nHost: sim\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"metadata\":")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any("went away" in r.getMessage() or r.levelno >= logging.ERROR
                                                  for r in caplog.records):
        time.sleep(0.05)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("went away" in r.getMessage() for r in caplog.records)
