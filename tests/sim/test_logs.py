"""Pod logs like the kubelet serves them, and the /_sim controls over HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from meshtui.sim import SimCluster
from tests.sim.conftest import SimFactory, api_client


def post(sim: SimCluster, path: str, body: dict) -> dict:
    request = urllib.request.Request(sim.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def get(sim: SimCluster, path: str) -> dict:
    with urllib.request.urlopen(sim.url + path, timeout=10) as response:
        return json.loads(response.read())


def pod_named(sim: SimCluster, app: str, version: str = "v1") -> str:
    core = client.CoreV1Api(api_client(sim))
    return core.list_namespaced_pod("shop", label_selector=f"app={app},version={version}").items[0].metadata.name


def test_read_options(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    pod = pod_named(sim, "catalog")
    sim.push_log("shop", pod, "catalog", [f"line {i}" for i in range(10)])
    text = core.read_namespaced_pod_log(pod, "shop", container="catalog", tail_lines=3)
    assert text.splitlines() == ["line 7", "line 8", "line 9"]
    stamped = core.read_namespaced_pod_log(pod, "shop", container="catalog", tail_lines=2, timestamps=True)
    first_ts, first_line = stamped.splitlines()[0].split(" ", 1)
    assert first_line == "line 8" and first_ts.endswith("Z") and "T" in first_ts
    since = core.read_namespaced_pod_log(pod, "shop", container="catalog", since_seconds=60)
    assert "line 0" in since
    limited = core.read_namespaced_pod_log(pod, "shop", container="catalog", limit_bytes=10)
    assert len(limited.encode()) == 10


def test_container_is_required_with_a_sidecar(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    pod = pod_named(sim, "catalog")
    with pytest.raises(ApiException) as info:
        core.read_namespaced_pod_log(pod, "shop")
    assert info.value.status == 400
    assert f"a container name must be specified for pod {pod}, choose one of: [catalog istio-proxy] or one of the " \
           "init containers: [istio-init]" in info.value.body
    with pytest.raises(ApiException) as info:
        core.read_namespaced_pod_log(pod, "shop", container="catalog", previous=True)
    assert info.value.status == 400 and "previous terminated container" in info.value.body


def test_follow_streams_live_lines_and_ends_on_restart(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    pod = pod_named(sim, "ratings")
    response = core.read_namespaced_pod_log(pod, "shop", container="ratings", follow=True, tail_lines=0,
                                            _preload_content=False)
    received: list[str] = []
    ended = threading.Event()

    def reader() -> None:
        for raw in response:
            received.append(raw.decode().rstrip("\n"))
        ended.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.3)
    sim.push_log("shop", pod, "ratings", ["live one", "live two"])
    deadline = time.monotonic() + 5
    while len(received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert received == ["live one", "live two"]
    sim.crash("shop", pod, "ratings")
    assert ended.wait(5), "a follow stream must end when its container restarts"
    assert received[-1].startswith("panic: simulated crash")
    previous = core.read_namespaced_pod_log(pod, "shop", container="ratings", previous=True)
    assert "live two" in previous
    status = core.read_namespaced_pod(pod, "shop").status.container_statuses
    assert next(s for s in status if s.name == "ratings").restart_count == 1


def test_sim_log_appends_exact_bytes_and_stats_count_them(sim: SimCluster) -> None:
    pod = pod_named(sim, "orders")
    before = get(sim, "/_sim/stats")["log_lines"][f"shop/{pod}/orders"]
    hostile = ["\x1b]52;c;ZXZpbA==\x07 osc52", "\x1b[2J clear", "tab\there"]
    result = post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "orders", "lines": hostile})
    assert result == {"lines": 3, "container": "orders"}
    after = get(sim, "/_sim/stats")["log_lines"][f"shop/{pod}/orders"]
    assert after == before + 3
    core = client.CoreV1Api(api_client(sim))
    text = core.read_namespaced_pod_log(pod, "shop", container="orders", tail_lines=3)
    assert text.splitlines() == hostile


def test_flood_reaches_the_requested_rate(sim: SimCluster) -> None:
    """A rate is a ceiling the flood keeps (never faster: 6,000 lines at 3,000/s take at least ~2 s) and
    reaches on an idle machine (~2 s); the upper bound only catches a flood stuck far below its rate, with room
    for a CI machine under two CPU burners."""
    started = time.monotonic()
    result = post(sim, "/_sim/flood", {"namespace": "shop", "selector": "app=catalog", "lines": 6000, "rate": 3000})
    assert len(result["pods"]) == 3 and result["lines"] == 6000
    deadline = started + 30
    total = 0
    while time.monotonic() < deadline:
        stats = get(sim, "/_sim/stats")["log_lines"]
        total = sum(n for key, n in stats.items() if "/catalog-" in key and key.endswith("/catalog")) - 3
        if total >= 6000:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    assert total >= 6000
    assert 1.5 < elapsed < 12.0, f"6000 lines at 3000/s took {elapsed:.2f}s"


def test_flood_as_fast_as_possible(sim: SimCluster) -> None:
    """Rate 0 is not throttled: 100,000 lines arrive far faster than any rate a flood is given (the sim's
    throughput is a benchmark, `benchmarks.sim_startup`: ~255,000 lines/s idle; 36,000 under two CPU burners
    beside the test suite). The bound only catches a flood that was throttled or stalled."""
    started = time.monotonic()
    post(sim, "/_sim/flood", {"namespace": "shop", "selector": "app=ratings", "lines": 100_000, "rate": 0})
    while time.monotonic() - started < 60:
        stats = get(sim, "/_sim/stats")["log_lines"]
        total = sum(n for key, n in stats.items() if "/ratings-" in key and key.endswith("/ratings")) - 2
        if total >= 100_000:
            break
        time.sleep(0.05)
    rate = 100_000 / (time.monotonic() - started)
    print(f"flood sustained {rate:,.0f} lines/s")
    assert rate > 5_000


def test_faults_endpoint_validates_and_echoes(sim: SimCluster) -> None:
    assert post(sim, "/_sim/faults", {"drop_log_streams_after": 5})["drop_log_streams_after"] == 5
    with pytest.raises(urllib.error.HTTPError) as info:
        post(sim, "/_sim/faults", {"api_error_rate": 2})
    assert info.value.code == 400
    assert post(sim, "/_sim/faults", {"drop_log_streams_after": None})["drop_log_streams_after"] == 0


def test_dropped_log_streams_cut_after_n_lines(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    pod = pod_named(sim, "catalog")
    sim.push_log("shop", pod, "catalog", [f"n{i}" for i in range(50)])
    sim.set_faults(drop_log_streams_after=20)
    core = client.CoreV1Api(api_client(sim))
    response = core.read_namespaced_pod_log(pod, "shop", container="catalog", follow=True, _preload_content=False)
    lines = []
    with pytest.raises(Exception):  # noqa: B017 - urllib3 ProtocolError: the connection is cut mid-stream
        for raw in response:
            lines.append(raw)
    assert len(lines) == 20


def test_drop_applies_to_any_log_read_and_to_open_streams(sim_factory: SimFactory) -> None:
    sim = sim_factory()
    pod = pod_named(sim, "orders")
    sim.push_log("shop", pod, "orders", [f"d{i}" for i in range(30)])
    sim.set_faults(drop_log_streams_after=7)
    core = client.CoreV1Api(api_client(sim))
    response = core.read_namespaced_pod_log(pod, "shop", container="orders", _preload_content=False)
    with pytest.raises(Exception):  # noqa: B017 - urllib3 ProtocolError: a plain (non-follow) read is cut too
        response.read()
    sim.set_faults(drop_log_streams_after=0)
    follow = core.read_namespaced_pod_log(pod, "shop", container="orders", follow=True, tail_lines=0,
                                          _preload_content=False)
    got: list[bytes] = []
    failed = threading.Event()

    def reader() -> None:
        try:
            for raw in follow:
                got.append(raw)
        except Exception:  # noqa: BLE001 - the cut we are waiting for
            failed.set()

    threading.Thread(target=reader, daemon=True).start()
    sim.push_log("shop", pod, "orders", ["before the fault"])
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.02)
    sim.set_faults(drop_log_streams_after=1)  # read live: the open stream is cut at its next line
    sim.push_log("shop", pod, "orders", ["never sent"])
    assert failed.wait(5) and [line.decode().strip() for line in got] == ["before the fault"]


def test_rotation_is_counted_and_the_oracle_dump_shows_what_is_kept(sim: SimCluster) -> None:
    pod = pod_named(sim, "ratings")
    post(sim, "/_sim/log", {"namespace": "shop", "pod": pod, "container": "ratings",
                            "lines": [f"r{i}" for i in range(50)]})
    assert post(sim, "/_sim/rotate", {"namespace": "shop", "pod": pod, "container": "ratings", "keep": 10}) == \
        {"rotated": 41, "container": "ratings"}  # the startup line and r0..r39
    core = client.CoreV1Api(api_client(sim))
    assert core.read_namespaced_pod_log(pod, "shop", container="ratings").splitlines() == [f"r{i}" for i in range(40, 50)]
    dump = get(sim, f"/_sim/log?namespace=shop&pod={pod}&container=ratings")["instances"]
    assert [text for _, text in dump[0]["entries"]] == [f"r{i}" for i in range(40, 50)]
    assert dump[0]["lines"] == 51 and dump[0]["rotated"] == 41 and dump[0]["kept"] == 10
    stats = get(sim, "/_sim/stats")
    assert stats["log_instances"][f"shop/{pod}/ratings"] == [
        {"instance": 0, "lines": 51, "rotated": 41, "kept": 10, "ended": False}]
    assert stats["floods_running"] == 0
    with pytest.raises(urllib.error.HTTPError) as info:
        post(sim, "/_sim/rotate", {"namespace": "shop", "pod": pod, "keep": -1})
    assert info.value.code == 400


def test_pod_deletion_is_graceful_and_force_is_immediate(sim: SimCluster) -> None:
    core = client.CoreV1Api(api_client(sim))
    pod = pod_named(sim, "orders")
    sim.push_log("shop", pod, "orders", ["last words"])
    follow = core.read_namespaced_pod_log(pod, "shop", container="orders", follow=True, tail_lines=1,
                                          _preload_content=False)
    core.delete_namespaced_pod(pod, "shop")
    terminating = core.read_namespaced_pod(pod, "shop")  # still there: Terminating, containers stopped
    assert terminating.metadata.deletion_timestamp is not None
    assert all(s.state.terminated is not None for s in terminating.status.container_statuses)
    assert [raw.decode().strip() for raw in follow] == ["last words"]  # the follow stream ended by itself
    assert core.read_namespaced_pod_log(pod, "shop", container="orders").splitlines()[-1] == "last words"
    sim.push_log("shop", pod, "orders", ["after the stop"])  # a stopped container writes nothing
    assert "after the stop" not in core.read_namespaced_pod_log(pod, "shop", container="orders")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            core.read_namespaced_pod(pod, "shop")
        except ApiException as exc:
            assert exc.status == 404
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the terminating pod was never removed")
    other = pod_named(sim, "ratings")
    core.delete_namespaced_pod(other, "shop", grace_period_seconds=0)
    with pytest.raises(ApiException) as info:
        core.read_namespaced_pod(other, "shop")
    assert info.value.status == 404


def test_sim_timestamps_are_its_own_rfc3339nano() -> None:
    from meshtui.sim.podlogs import format_ts, stamp
    from meshtui.sim.timefmt import parse_ns as parse_ts

    for ns in (0, 1, 1_796_080_000_123_456_789, 1_796_080_000_100_000_000, 1_796_080_000_000_000_000):
        assert parse_ts(format_ts(ns)) == ns and stamp(ns).decode() == format_ts(ns)
    assert format_ts(1_796_080_000_100_000_000).endswith(".1Z")
    assert parse_ts("2026-12-01T01:00:00.5+01:00") == parse_ts("2026-12-01T00:00:00.5Z")
    for bad in ("yesterday", "2026-12-01T00:00:00.x1Z", "2026-12-01T00:00:00+ab:cd"):
        with pytest.raises(ValueError):
            parse_ts(bad)
