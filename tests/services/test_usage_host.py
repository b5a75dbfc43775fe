"""Host usage: network rates leave loopback out (the simulated cluster, a registry and port-forwards
all talk over loopback, which made download always equal upload)."""

from __future__ import annotations

import socket
import threading

import psutil

from meshtui.adapters import host
from meshtui.domain.usage import shown_label

PAYLOAD = 32 * 1024 * 1024


def _send_over_loopback(size: int) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = []

    def drain() -> None:
        conn, _ = server.accept()
        with conn:
            total = 0
            while total < size:
                chunk = conn.recv(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
            received.append(total)

    reader = threading.Thread(target=drain)
    reader.start()
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"\0" * size)
    reader.join(30)
    server.close()
    assert received == [size]


def test_network_rates_leave_loopback_out() -> None:
    before_all = psutil.net_io_counters()
    sent, received = host.network_bytes()
    _send_over_loopback(PAYLOAD)
    after_all = psutil.net_io_counters()
    sent2, received2 = host.network_bytes()
    assert after_all.bytes_sent - before_all.bytes_sent >= PAYLOAD  # the traffic happened, on loopback
    assert sent2 - sent < PAYLOAD / 4 and received2 - received < PAYLOAD / 4


def test_top_n_label_never_claims_more_than_there_are() -> None:
    assert shown_label(50, 33) == "all 33 containers"
    assert shown_label(25, 33) == "top 25 of 33 containers"
    assert shown_label(0, 33) == "all 33 containers"
    assert shown_label(33, 33) == "all 33 containers"
