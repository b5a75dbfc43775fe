"""Shared fixtures: isolation from the user's files, strict-mode skips, the real CLI, fakes.

Under MESHTUI_STRICT=1 (what CI and the README's test command set) a missing real part
(Docker engine, kubectl, ../shared data) FAILS the test instead of skipping it, so a
broken install step cannot hide behind a skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
STRICT = os.environ.get("MESHTUI_STRICT") == "1"
MESHTUI = Path(sys.executable).parent / "meshtui"
FAKE_TOOL = ROOT / "tests" / "fakes" / "fake_tool.py"
TEST_IMAGE = "meshtui-busybox:local"


# Every process the suite starts inherits this mark; at the end none may still run, and the
# developer's real state and config directories must be exactly as they were.
RUN_MARK = f"MESHTUI_TEST_RUN={uuid.uuid4().hex}"
os.environ["MESHTUI_TEST_RUN"] = RUN_MARK.split("=", 1)[1]
_REAL_HOME = Path(os.environ.get("HOME") or Path.home())
_REAL_DIRS = [Path(os.environ.get("XDG_STATE_HOME") or _REAL_HOME / ".local" / "state") / "meshtui",
              Path(os.environ.get("XDG_CONFIG_HOME") or _REAL_HOME / ".config") / "meshtui"]


def _tree(paths: list[Path]) -> dict[str, tuple[int, int]]:
    found = {}
    for root in paths:
        if root.exists():
            for item in [root, *root.rglob("*")]:
                stat = item.lstat()
                found[str(item)] = (stat.st_mtime_ns, stat.st_size)
    return found


def _marked_processes() -> list[tuple[int, str]]:
    """Live processes (not this one) that carry this run's mark."""
    mark = RUN_MARK.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark in (entry / "environ").read_bytes().split(b"\0"):
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:
                    found.append((int(entry.name), cmd))
        except OSError:
            continue
    return found


_REAL_BEFORE = _tree(_REAL_DIRS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a test left a process behind or touched the developer's real files."""
    problems = []
    deadline = time.monotonic() + 10
    left = _marked_processes()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _marked_processes()
    for pid, cmd in left:
        problems.append(f"process {pid} left running: {cmd[:200]}")
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    if _tree(_REAL_DIRS) != _REAL_BEFORE:
        problems.append(f"the suite changed the real meshtui directories: {', '.join(map(str, _REAL_DIRS))}")
    if problems and Path("/proc").is_dir():
        sys.stderr.write("\nsession-end check failed:\n  " + "\n  ".join(problems) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def require(condition: bool, reason: str) -> None:
    """Skip when a real part is missing, but fail under MESHTUI_STRICT=1."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"MESHTUI_STRICT=1 and a required part is missing: {reason}")
    pytest.skip(reason)


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    require(path.exists(), f"{path} is not present (the ../shared checkout)")
    return path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own config, state or kubeconfig."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("MESHTUI_PROFILES_DIR", raising=False)
    monkeypatch.delenv("MESHTUI_DEBUG", raising=False)


def run_cli(*args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 120,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `meshtui` console script, the real entry point."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(MESHTUI), *args], capture_output=True, text=True, env=full_env, input=input,
                          timeout=timeout, cwd=cwd)


@dataclass
class FakeTools:
    """Fake kind/minikube/istioctl/helm/kubectl on PATH that record their argv."""

    bin_dir: Path
    state_dir: Path

    def calls(self, tool: str | None = None) -> list[list[str]]:
        path = self.state_dir / "calls.jsonl"
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text().splitlines() if line]
        return [[r["tool"], *r["args"]] for r in rows if tool is None or r["tool"] == tool]

    def configure(self, **data: object) -> None:
        path = self.state_dir / "config.json"
        current = json.loads(path.read_text()) if path.exists() else {}
        current.update(data)
        path.write_text(json.dumps(current))

    def remove(self, tool: str) -> None:
        (self.bin_dir / tool).unlink()


@pytest.fixture
def fake_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTools:
    bin_dir = tmp_path / "fake-bin"
    state = tmp_path / "fake-state"
    bin_dir.mkdir()
    state.mkdir()
    for tool in ("kind", "minikube", "istioctl", "helm", "kubectl"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\nMESHTUI_FAKE_TOOL={tool} exec "{sys.executable}" "{FAKE_TOOL}" "$@"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("MESHTUI_FAKE_DIR", str(state))
    return FakeTools(bin_dir, state)


def docker_client():  # type: ignore[no-untyped-def]
    """A docker SDK client, or None when no engine answers."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        return client
    except Exception:
        return None


@pytest.fixture
def docker_engine():  # type: ignore[no-untyped-def]
    client = docker_client()
    require(client is not None, "no Docker engine (tests/infra/docker-up.sh starts one as root)")
    try:
        client.images.get(TEST_IMAGE)
    except Exception:
        require(False, f"test image {TEST_IMAGE} is missing (tests/infra/docker-up.sh builds it)")
    yield client
    client.close()


# -- the simulated cluster ----------------------------------------------------------------
# Every Istio object written to a sim during a test (by the test, by meshtui, or by the
# sim's own bootstrap) is validated against the real CRD schema when the test ends.
from meshtui.sim import SimCluster, SimOptions  # noqa: E402

SimFactory = Callable[..., SimCluster]


@pytest.fixture
def sim_factory(tmp_path: Path) -> Iterator[SimFactory]:
    started: list[SimCluster] = []

    def make(**options: object) -> SimCluster:
        defaults = {"seed": 42, "rate": 0.0, "crashes": False, "speed": 4.0}
        cluster = SimCluster(SimOptions(**{**defaults, **options}),
                             kubeconfig=tmp_path / f"kubeconfig-{len(started)}").start()
        started.append(cluster)
        cluster.wait_ready()
        return cluster

    yield make
    from tests.istio_schema import assert_valid

    try:
        for cluster in started:
            audit = cluster.call(lambda c=cluster: list(c.state.store.audit))
            for obj in audit:
                assert_valid(obj)
    finally:
        for cluster in started:
            cluster.stop()


@pytest.fixture
def sim(sim_factory: SimFactory) -> SimCluster:
    return sim_factory()


def api_client(cluster: SimCluster):  # type: ignore[no-untyped-def]
    """The official client, configured from the sim's kubeconfig only."""
    from kubernetes import config

    return config.new_client_from_config(config_file=str(cluster.kubeconfig))


@pytest.fixture
def remote(sim: SimCluster, tmp_path: Path) -> Iterator[str]:
    """A kubeconfig whose context looks remote (reached through a loopback proxy to the sim)."""
    from tests.fakes.relay import Relay, remote_kubeconfig

    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    yield remote_kubeconfig(tmp_path / "remote-kubeconfig", relay)
    relay.close()
