"""Usage against the real Docker engine: kind-labelled busybox "nodes", compared with docker stats."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from meshtui.adapters.docker_engine import DockerEngine
from meshtui.services.usage import UsageService
from tests.conftest import TEST_IMAGE, run_cli

MIB = 1024 * 1024


def parse_size(text: str) -> float:
    number, unit = re.match(r"([\d.]+)\s*([KMGT]?i?B)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"B": 1, "KiB": 1024, "MiB": MIB, "GiB": 1024 * MIB, "kB": 1000, "MB": 1e6,
                            "GB": 1e9}[unit]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def cpu_percent(container) -> float:  # type: ignore[no-untyped-def]
    """docker stats' CPU % of one sample (the daemon takes about a second to answer)."""
    stats = container.stats(stream=False)
    cpu, pre = stats["cpu_stats"], stats["precpu_stats"]
    cpu_delta = cpu["cpu_usage"]["total_usage"] - pre.get("cpu_usage", {}).get("total_usage", 0)
    system_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    return cpu_delta / system_delta * cpu.get("online_cpus", 1) * 100 if system_delta > 0 else 0.0


@pytest.fixture
def kind_nodes(docker_engine) -> Iterator[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    cluster = f"usage-{uuid.uuid4().hex[:6]}"
    created = {}
    specs = {
        f"{cluster}-control-plane": ("control-plane", ["sh", "-c", "while :; do :; done"], {"nano_cpus": 500_000_000}),
        f"{cluster}-worker": ("worker", ["sh", "-c", "dd if=/dev/zero of=/fill/blob bs=1M count=64 && sleep 3600"],
                              {"mem_limit": "256m", "tmpfs": {"/fill": "size=128m"}}),
    }
    try:
        for name, (role, command, extra) in specs.items():
            container = docker_engine.containers.create(
                TEST_IMAGE, command, name=name, network_mode="none", detach=True,
                labels={"io.x-k8s.kind.cluster": cluster, "io.x-k8s.kind.role": role}, **extra)
            container.start()
            created[name] = container
        busy, holder = created[f"{cluster}-control-plane"], created[f"{cluster}-worker"]
        wait_until(lambda: cpu_percent(busy) >= 5, "the busy loop to spin up")  # the cap and the load decide the rest
        wait_until(lambda: b"67108864" in holder.exec_run(["ls", "-l", "/fill/blob"]).output, "the tmpfs to fill")
        yield cluster, created
    finally:
        for container in created.values():
            container.remove(force=True)


def docker_stats(names: list[str]) -> dict[str, dict]:
    out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{json .}}", *names], capture_output=True,
                         text=True, timeout=60)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return {row["Name"]: row for row in rows}


def test_found_by_label_and_agree_with_docker_stats(kind_nodes) -> None:  # type: ignore[no-untyped-def]
    cluster, created = kind_nodes
    busy = f"{cluster}-control-plane"
    before = float(docker_stats([busy])[busy]["CPUPerc"].rstrip("%"))
    result = run_cli("usage", "--once", "--json", "--kind-cluster", cluster)
    assert result.returncode == 0, result.stderr
    ours = {c["name"]: c for c in json.loads(result.stdout)["containers"]}
    assert set(ours) == set(created)
    assert ours[f"{cluster}-control-plane"]["role"] == "control-plane"
    theirs = docker_stats(list(created))
    holder = f"{cluster}-worker"
    docker_cpu = float(theirs[busy]["CPUPerc"].rstrip("%"))
    assert docker_cpu <= 60  # the 0.5 CPU limit holds
    # the same formula as docker stats: ours lies within docker's readings just before and after. Each
    # reading covers about a second, and a busy machine gives the capped loop anywhere from a quarter to
    # a half of a CPU from one second to the next, so the band is wide; a wrong formula (per-core vs
    # total, a missing online_cpus factor) is off by a factor of 2 or more and still fails.
    after = float(docker_stats([busy])[busy]["CPUPerc"].rstrip("%"))
    low, high = min(before, docker_cpu, after), max(before, docker_cpu, after)
    assert 0.75 * low <= ours[busy]["cpu_percent"] <= 1.25 * high, (before, ours[busy]["cpu_percent"], docker_cpu,
                                                                     after)
    used, limit = theirs[holder]["MemUsage"].split(" / ")
    assert abs(ours[holder]["mem_used"] - parse_size(used)) <= 0.10 * parse_size(used)
    assert ours[holder]["mem_used"] >= 60 * MIB
    assert ours[holder]["mem_limit"] == 256 * MIB == parse_size(limit)


def test_containers_come_and_go_during_a_session(kind_nodes, docker_engine) -> None:  # type: ignore[no-untyped-def]
    cluster, created = kind_nodes
    service = UsageService(None, DockerEngine(timeout=5), cluster=cluster, provider="kind")
    try:
        first = service.first_complete()
        assert {c.name for c in first.containers} == set(created)
        extra = docker_engine.containers.create(TEST_IMAGE, ["sleep", "3600"], name=f"{cluster}-worker2",
                                                network_mode="none",
                                                labels={"io.x-k8s.kind.cluster": cluster, "io.x-k8s.kind.role": "worker"})
        extra.start()
        try:
            deadline = time.monotonic() + 10
            names: set[str] = set()
            while time.monotonic() < deadline and f"{cluster}-worker2" not in names:
                names = {c.name for c in service.sample().containers}
                time.sleep(0.3)
            assert f"{cluster}-worker2" in names
        finally:
            extra.remove(force=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and f"{cluster}-worker2" in names:
            snapshot = service.sample()
            names = {c.name for c in snapshot.containers}
            time.sleep(0.3)
        assert f"{cluster}-worker2" not in names and not snapshot.notices[:0]
        created[f"{cluster}-worker"].stop(timeout=1)
        snapshot = service.sample()
        assert f"{cluster}-worker" not in {c.name for c in snapshot.containers}  # stopped nodes drop out
    finally:
        service.close()


def test_the_daemon_going_away_is_a_notice(kind_nodes) -> None:  # type: ignore[no-untyped-def]
    cluster, _ = kind_nodes
    engine = DockerEngine(timeout=2)
    service = UsageService(None, engine, cluster=cluster, provider="kind")
    try:
        assert service.sample().containers
        import docker

        engine._client = docker.DockerClient(base_url="unix:///nonexistent/docker.sock", timeout=2, version="1.41")
        snapshot = service.sample()
        assert snapshot.containers == [] and any("Docker is not reachable" in n for n in snapshot.notices)
        assert snapshot.host is not None
    finally:
        service.close()


def stats_readers(cluster: str) -> list[threading.Thread]:
    """The Docker stats readers (threads) of `cluster`'s node containers that run now."""
    return [t for t in threading.enumerate() if t.name.startswith(f"stats:{cluster}-") and t.is_alive()]


def test_a_sample_after_close_starts_no_reader(kind_nodes) -> None:  # type: ignore[no-untyped-def]
    """The Resources panel closes the service while a sample may still run on a worker: that sample must
    not start stats readers again (nothing would stop them) nor connect to the daemon again."""
    cluster, _ = kind_nodes
    engine = DockerEngine(timeout=5)
    service = UsageService(None, engine, cluster=cluster, provider="kind")
    try:
        assert service.first_complete().containers and stats_readers(cluster)
    finally:
        service.close()
    wait_until(lambda: not stats_readers(cluster), "the stats readers to end after close()", timeout=15)
    snapshot = service.sample()
    assert stats_readers(cluster) == [] and snapshot.containers == []
    assert engine._client is None  # closed, and not opened again
