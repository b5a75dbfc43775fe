"""ResourceFeed's list: read in pages, and shared by feeds that list the same collection at the same moment."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from meshtui.services.feed import ResourceFeed
from meshtui.services.listing import read_pages
from meshtui.services.session import Session
from meshtui.sim import SimCluster, kubeconfig_yaml
from meshtui.wiring import Wiring
from tests.conftest import SimFactory
from tests.stacks import blocked_in


class CountingRelay:
    """A loopback TCP relay to the sim that counts the list requests going through it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.lists = 0
        self.list_lines: list[str] = []
        self._count_lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, count: bool) -> None:
        try:
            while data := source.recv(65536):
                if count:
                    for line in data.split(b"\r\n"):
                        if line.startswith(b"GET /api/v1/pods?") and b"watch=" not in line:
                            with self._count_lock:
                                self.lists += 1
                                self.list_lines.append(line.decode(errors="replace"))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


def test_two_feeds_listing_the_same_pods_at_once_share_one_request(sim_factory: SimFactory, tmp_path: Path) -> None:
    sim = sim_factory()
    relay = CountingRelay(int(sim.url.rsplit(":", 1)[1]))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(kubeconfig_yaml(f"http://127.0.0.1:{relay.port}"))
    session = Wiring(kubeconfig=str(kubeconfig)).session()
    sim.set_faults(api_latency_ms=400)  # both lists are in flight at the same time
    try:
        overview = session.feed("pods", lambda: None)
        other = ResourceFeed(session.kube, "/api/v1/pods", name="other", transform=lambda o: o["metadata"]["name"])
        other.start()
        assert overview.wait_synced(30) and other.wait_synced(30)
        assert relay.lists == 1  # the second feed waited for the first one's list
        pods = {f"{p['metadata']['namespace']}/{p['metadata']['name']}"
                for p in session.kube.get("/api/v1/pods")["items"]}
        assert set(overview.snapshot()) == pods == set(other.snapshot())
        assert {v.name for v in overview.snapshot().values()} == set(other.snapshot().values())
    finally:
        sim.set_faults(api_latency_ms=0)
        for feed in (overview, other):
            feed.stop()
        session.close()
        relay.close()


class PagedServer:
    """Stands in for an API server that honours `limit`/`continue` (in memory, to count its pages)."""

    def __init__(self, total: int) -> None:
        self.names = [f"pod-{i:03d}" for i in range(total)]
        self.queries: list[dict] = []

    def request(self, method: str, path: str, *, query: dict, timeout: object) -> dict:
        self.queries.append(dict(query))
        start = int(query.get("continue") or 0)
        end = start + int(query["limit"])
        meta = {"resourceVersion": "100" if start == 0 else "999"}
        if end < len(self.names):
            meta["continue"] = str(end)
        return {"metadata": meta, "items": [{"metadata": {"namespace": "ns", "name": n}} for n in self.names[start:end]]}


def test_the_list_is_read_in_pages_at_the_first_pages_version() -> None:
    server = PagedServer(1234)
    objects, version = read_pages(server, "/api/v1/pods", {"labelSelector": None}, 500,  # type: ignore[arg-type]
                                   threading.Event())
    assert [o["metadata"]["name"] for o in objects] == server.names
    assert version == "100"
    assert [q["continue"] for q in server.queries] == [None, "500", "1000"]
    assert all(q["limit"] == 500 for q in server.queries)


def test_a_stopped_feed_stops_paging() -> None:
    server = PagedServer(5000)
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    assert read_pages(server, "/api/v1/pods", {}, 500, stop) == ([], None)  # type: ignore[arg-type]
    assert not server.queries and time.monotonic() - started < 1


def test_the_collector_is_not_held_off_while_a_page_is_awaited() -> None:
    """Only decoding is paused (in the client, for big bodies): a page the server is slow to send must not keep
    the whole process's collector off for the read timeout (up to 60 s)."""
    import gc

    class Recording(PagedServer):
        def request(self, method: str, path: str, *, query: dict, timeout: object) -> dict:
            self.collector_on = gc.isenabled()
            return super().request(method, path, query=query, timeout=timeout)

    server = Recording(10)
    read_pages(server, "/api/v1/pods", {}, 500, threading.Event())  # type: ignore[arg-type]
    assert server.collector_on is True
    assert gc.isenabled()


def test_paused_sections_in_many_threads_always_leave_the_collector_on() -> None:
    """Feeds decode at the same time: however their pauses interleave, the collector ends up on (a thread that
    saw it off while another was paused once turned it off for good)."""
    import gc
    import sys

    from meshtui.adapters.imports import collector_paused

    def hammer() -> None:
        for _ in range(300):
            with collector_paused():
                pass

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(40):
            threads = [threading.Thread(target=hammer) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert gc.isenabled(), "interleaved pauses left the garbage collector off"
    finally:
        sys.setswitchinterval(interval)


def virtual_service_feed(sim_factory: SimFactory) -> tuple[SimCluster, Session, ResourceFeed[str]]:
    """A new sim, a session on it and a (not started) feed of its VirtualServices' names."""
    sim = sim_factory()
    session = Wiring(kubeconfig=str(sim.kubeconfig)).session()
    feed = ResourceFeed(session.kube, "/apis/networking.istio.io/v1/virtualservices", name="vs",
                        transform=lambda o: o["metadata"]["name"])
    return sim, session, feed


def test_a_watch_cut_after_it_worked_is_resumed_at_once_however_often(sim_factory: SimFactory) -> None:
    """Backoff is for a failing server, not for a proxy that cuts long streams: after every watch the server
    answered, the next reconnect waits the shortest delay again (a reviewer saw the Traffic panel blind for
    4-6 s per cut once the backoff had grown to its 5 s cap)."""
    sim, session, feed = virtual_service_feed(sim_factory)
    try:
        feed.start()
        assert feed.wait_synced(30)
        sim.set_faults(drop_watches_every=0.2)  # every watch is cut 0.2 s after it opened
        deadline = time.monotonic() + 120  # bounds the wait only; the assertion is on the delay chosen
        while feed.reconnects < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert feed.reconnects >= 8, f"only {feed.reconnects} reconnects"
        assert feed.last_retry_delay is not None and feed.last_retry_delay < 0.5, feed.last_retry_delay
    finally:
        sim.set_faults(drop_watches_every=0)
        feed.stop()
        session.close()


def test_a_stop_ends_a_watch_whose_answer_never_comes(sim_factory: SimFactory) -> None:
    """A server that takes a watch and never answers it: the watch has no read timeout (a quiet collection's
    stream is silent for ever), so only the feed's stop can end that wait, and it must, at once."""
    sim, session, feed = virtual_service_feed(sim_factory)
    try:
        feed.start()
        assert feed.wait_synced(30)
        sim.set_faults(api_latency_ms=600_000, drop_watches_every=0.2)  # the watch is cut; its reopen waits
        deadline = time.monotonic() + 30
        while not blocked_in(feed._thread, "watch", "_read_status") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert blocked_in(feed._thread, "watch", "_read_status"), "the feed never reopened its watch"
        started = time.monotonic()
        feed.stop()
        feed.join(10)
        assert feed._thread is not None and not feed._thread.is_alive(), "the feed still waits for its watch"
        assert time.monotonic() - started < 5
    finally:
        sim.set_faults(api_latency_ms=0, drop_watches_every=0)
        feed.stop()
        session.close()


def test_the_first_list_comes_from_the_watch_cache_and_a_relist_after_expiry_reads_pages(
        sim_factory: SimFactory) -> None:
    """As client-go's informers: the first list asks for resourceVersion=0 (the server's watch cache answers in
    one response, whatever the limit); once the watch's history is compacted away, the relist reads the newest
    state page by page (a consistent read)."""
    import json
    import urllib.request

    sim = sim_factory()

    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(f"{sim.url}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read() or b"{}"))

    post("/_sim/pods", {"namespace": "load", "pods": 100})
    relay = CountingRelay(int(sim.url.rsplit(":", 1)[1]))
    kubeconfig = sim.kubeconfig.parent / "relayed"
    kubeconfig.write_text(kubeconfig_yaml(f"http://127.0.0.1:{relay.port}"))
    session = Wiring(kubeconfig=str(kubeconfig)).session()
    feed = ResourceFeed(session.kube, "/api/v1/pods", name="pods", transform=lambda o: o["metadata"]["name"], page=40)
    try:
        feed.start()
        assert feed.wait_synced(30)
        total = len(feed.snapshot())
        assert total > 100
        assert len(relay.list_lines) == 1 and "resourceVersion=0" in relay.list_lines[0], relay.list_lines
        # History moves on where the feed does not look (a ConfigMap), and is compacted away.
        post("/api/v1/namespaces/default/configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                       "metadata": {"name": "moves-history-on"}})
        post("/_sim/compact", {})
        sim.set_faults(drop_watches_every=0.2)  # the watch is cut; its resume finds its version compacted
        deadline = time.monotonic() + 60
        while feed.relists < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert feed.relists >= 2, "the feed never relisted"
        relisted = relay.list_lines[1:]
        assert len(relisted) >= -(-total // 40), relisted  # every page of the newest state
        assert not any("resourceVersion=0" in line for line in relisted), relisted
        assert any("continue=" in line for line in relisted), relisted
    finally:
        sim.set_faults(drop_watches_every=0)
        feed.stop()
        session.close()
        relay.close()
