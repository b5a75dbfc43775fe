"""A TCP relay on 127.0.0.1 that acts as an HTTP proxy in front of the simulated cluster.

A kubeconfig can then name a server that is not local (`http://prod.example.internal`)
with `proxy-url` pointing here: the client only ever talks to loopback, but the safety
guard sees a remote cluster, exactly as with a corporate proxy. The relay counts the
connections it accepted and the request lines it forwarded, so a test can prove that a
refused command never reached the cluster at all.
"""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

_REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT) (\S+) HTTP/1\.[01]\r\n")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class Relay:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.requests: list[tuple[str, str]] = []
        """(method, target) of every request seen going to the cluster."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def writes(self) -> list[tuple[str, str]]:
        with self._lock:
            return [r for r in self.requests if r[0] in WRITE_METHODS]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, requests: bool) -> None:
        tail = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if requests:
                    window = tail + data
                    found = [(m.group(1).decode(), m.group(2).decode(errors="replace"))
                             for m in _REQUEST_LINE.finditer(window) if m.end() > len(tail)]
                    with self._lock:
                        self.requests.extend(found)
                    tail = window[-2048:]
                    for method, target in found:
                        self.forwarding(method, target)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def forwarding(self, method: str, target: str) -> None:
        """Called with each request line just before it is forwarded (a test may act on the cluster here)."""

    def close(self) -> None:
        self._stop.set()
        self.server.close()


def remote_kubeconfig(path: Path, relay: Relay, context: str = "prod-eu",
                      server: str = "http://prod.example.internal:6443") -> str:
    """A kubeconfig whose only context names a remote server, reached through the relay as its proxy."""
    import yaml

    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": context, "cluster": {"server": server, "proxy-url": f"http://127.0.0.1:{relay.port}"}}],
        "users": [{"name": context, "user": {"token": "t"}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context, "namespace": "shop"}}]}))
    return str(path)
