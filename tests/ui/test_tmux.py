"""The real binary in a real terminal: `meshtui demo` under tmux, driven by keys, quit with q."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from tests.conftest import MESHTUI, require


def capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_screen(session: str, *needles: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if all(n in screen for n in needles):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"never saw {needles!r}; last screen:\n{screen}")


def alive(session: str) -> bool:
    return subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0


def test_demo_in_tmux(tmp_path: Path) -> None:
    require(shutil.which("tmux") is not None, "tmux is not installed")
    session = f"meshtui-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    command = f"{MESHTUI} demo --seed 2 --rate 5 --no-crashes"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "150", "-y", "40", command], check=True, env=env)
    try:
        screen = wait_screen(session, "SIMULATED", "catalog-v1-", "istio-ingressgateway-", "● live")
        assert "1 Overview" in screen and "context meshtui-sim" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "2"], check=True)
        wait_screen(session, "following", "streams")
        subprocess.run(["tmux", "send-keys", "-t", session, "5"], check=True)
        wait_screen(session, "Connected. Run the doctor")
        subprocess.run(["tmux", "send-keys", "-t", session, "1"], check=True)
        wait_screen(session, "catalog-v1-")
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 10
        while alive(session) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(session), "q did not quit"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    leftovers = list((tmp_path / "state").rglob("kubeconfig-*"))
    assert leftovers == [], "the demo's kubeconfig is removed on quit"


def test_up_on_a_terminal_asks_then_shows_live_steps(tmp_path: Path) -> None:
    require(shutil.which("tmux") is not None, "tmux is not installed")
    session = f"meshtui-up-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "TERM": "xterm-256color"}
    script = tmp_path / "up.sh"
    script.write_text(f"{MESHTUI} up -p sim; echo EXIT=$?; {MESHTUI} up -p sim; echo EXIT=$?; sleep 30\n")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "150", "-y", "40", "sh", str(script)],
                   check=True, env=env)
    try:
        wait_screen(session, "sim cluster 'meshtui-sim'", "Start? [y/N]")
        subprocess.run(["tmux", "send-keys", "-t", session, "n", "Enter"], check=True)
        wait_screen(session, "nothing changed", "EXIT=1")
        wait_screen(session, "Start? [y/N]")
        subprocess.run(["tmux", "send-keys", "-t", session, "y", "Enter"], check=True)
        screen = wait_screen(session, "✔ ingress", "up -p sim: done", "EXIT=0", timeout=90)
        assert "✔ rollouts" in screen and "next: meshtui --kubeconfig" in screen and "running:" not in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        subprocess.run([str(MESHTUI), "down", "-p", "sim", "--yes"], env=env, capture_output=True, timeout=60)
