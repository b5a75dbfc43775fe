"""The real binary in a real terminal: `meshtui demo` under tmux, driven by keys, quit with q.

Each test starts its own tmux server (`tmux -L`): a session opened on an already-running
server gets that server's environment, not ours, so meshtui would read and write the
developer's real state directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MESHTUI, require


class Tmux:
    """A private tmux server with one session."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"meshtui-test-{uuid.uuid4().hex[:8]}"
        self.session = "main"
        self.env = env

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              env=self.env, check=check, timeout=30)

    def start(self, *command: str) -> None:
        self.tmux("new-session", "-d", "-s", self.session, "-x", "150", "-y", "40", *command)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def capture(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session, check=False).stdout

    def alive(self) -> bool:
        return self.tmux("has-session", "-t", self.session, check=False).returncode == 0

    def wait_screen(self, *needles: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture()
            if all(n in screen for n in needles):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"never saw {needles!r}; last screen:\n{screen}")

    def kill(self) -> None:
        self.tmux("kill-server", check=False)


@pytest.fixture
def term(tmp_path: Path) -> Iterator[Tmux]:
    require(shutil.which("tmux") is not None, "tmux is not installed")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("TMUX", None)
    tmux = Tmux(env)
    yield tmux
    tmux.kill()


def test_demo_in_tmux(term: Tmux, tmp_path: Path) -> None:
    term.start(str(MESHTUI), "demo", "--seed", "2", "--rate", "5", "--no-crashes")
    screen = term.wait_screen("SIMULATED", "catalog-v1-", "istio-ingressgateway-", "● live")
    assert "1 Overview" in screen and "context meshtui-sim" in screen
    term.keys("2")
    term.wait_screen("following", "streams")
    term.keys("5")
    term.wait_screen("Connected. Run the doctor")
    term.keys("1")
    term.wait_screen("catalog-v1-")
    term.keys("q")
    deadline = time.monotonic() + 60
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.1)  # a poll inside a wait for the condition
    assert not term.alive(), "q did not quit"
    leftovers = list((tmp_path / "state").rglob("kubeconfig-*"))
    assert leftovers == [], "the demo's kubeconfig is removed on quit"


def test_up_on_a_terminal_asks_then_shows_live_steps(term: Tmux, tmp_path: Path) -> None:
    script = tmp_path / "up.sh"
    script.write_text(f"{MESHTUI} up -p sim; echo EXIT=$?; {MESHTUI} up -p sim; echo EXIT=$?; sleep 30\n")
    term.start("sh", str(script))
    try:
        term.wait_screen("sim cluster 'meshtui-sim'", "Start? [y/N]")
        term.keys("n", "Enter")
        term.wait_screen("nothing changed", "EXIT=1")
        term.wait_screen("Start? [y/N]")
        term.keys("y", "Enter")
        screen = term.wait_screen("✔ ingress", "up -p sim: done", "EXIT=0", timeout=240)
        assert "✔ rollouts" in screen and "next: meshtui --kubeconfig" in screen and "running:" not in screen
    finally:
        term.kill()
        down = subprocess.run([str(MESHTUI), "down", "-p", "sim", "--yes"], env=term.env, capture_output=True,
                              text=True, timeout=120)
        assert down.returncode == 0, down.stdout + down.stderr
