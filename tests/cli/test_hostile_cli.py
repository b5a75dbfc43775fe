"""Every command that prints cluster, kubeconfig or file text keeps a terminal safe (issue 14, point 2).

The commands run through the real entry point on a pseudo-terminal (where meshtui writes for a human), against
a simulated cluster whose free-text fields and a kubeconfig and a user tour hold `tests.hostile.HOSTILE`. Each
output must hold none of its raw control characters yet still show the text (made visible, not dropped);
`--json` output must carry the exact original string.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from meshtui.sim import SimCluster, SimOptions
from tests.conftest import MESHTUI, run_cli
from tests.hostile import HOSTILE, MARKUP, VISIBLE, hostile_kubeconfig, hostile_tour, leaks, poison


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    tmp = tmp_path_factory.mktemp("hostile")
    cluster = SimCluster(SimOptions(seed=7, rate=0, crashes=False, speed=4), kubeconfig=tmp / "kubeconfig").start()
    try:
        cluster.wait_ready()
        used = poison(cluster.url)
        hostile_kubeconfig(tmp / "kubeconfig", tmp / "hostile-kubeconfig")
        hostile_tour(tmp / "config")
        env = {"XDG_CONFIG_HOME": str(tmp / "config"), "XDG_STATE_HOME": str(tmp / "state"),
               "KUBECONFIG": str(tmp / "kubeconfig"), "COLUMNS": "200", "LINES": "50", "TERM": "xterm-256color"}
        yield {"sim": cluster, "env": env, "tmp": tmp, **used}
    finally:
        cluster.stop()


def on_terminal(args: list[str], env: dict[str, str], timeout: float = 90) -> tuple[int, str]:
    """Run meshtui with stdout and stderr on a pseudo-terminal; (exit code, everything it wrote)."""
    main, child = pty.openpty()
    proc = subprocess.Popen([str(MESHTUI), *args], stdin=subprocess.DEVNULL, stdout=child, stderr=child,
                            env={**os.environ, **env}, start_new_session=True)
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    data = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        else:
            raise AssertionError(f"meshtui {' '.join(args)} still running after {timeout} s")
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
        os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


COMMANDS = {
    "status": ["status"],
    "logs": ["logs", "-n", "shop", "-l", "app=catalog", "--no-follow", "--tail", "50"],
    "usage": ["usage", "--once"],
    "routes list": ["routes", "list", "-n", "shop"],
    "routes show": ["routes", "show", "catalog", "-n", "shop"],
    "tour list": ["tour", "--list"],
    "tour validate": ["tour", "hostile", "--validate"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_output_is_inert_on_a_terminal(world: dict, name: str) -> None:
    code, out = on_terminal(COMMANDS[name], world["env"])
    assert not leaks(out), f"`meshtui {' '.join(COMMANDS[name])}` wrote raw {leaks(out)}:\n{out[-2000:]}"
    assert code == 0, out[-2000:]
    if name in ("logs", "routes show", "tour list", "tour validate"):
        assert VISIBLE in out, f"the hostile text was dropped instead of shown inert:\n{out[-2000:]}"
    if name == "status":  # the hostile pod's STATUS (its waiting reason) is counted in the pods line, inert
        assert "1 Crash␛]0;PWNED␇[bold red]boom[/]" in out, out[-2000:]


def test_a_hostile_context_name_is_inert(world: dict) -> None:
    env = {**world["env"], "KUBECONFIG": str(world["tmp"] / "hostile-kubeconfig")}
    for args in (["status"], ["routes", "list", "-n", "shop"], ["doctor"]):
        code, out = on_terminal(args, env)
        assert not leaks(out), f"`meshtui {' '.join(args)}` wrote raw {leaks(out)}:\n{out[-2000:]}"


def test_json_keeps_the_exact_text(world: dict) -> None:
    env = world["env"]
    logs = run_cli("--json", "logs", "-n", "shop", "-l", "app=catalog", "--no-follow", "--tail", "50", env=env)
    assert logs.returncode == 0, logs.stderr
    assert not leaks(logs.stdout), f"--json logs wrote raw {leaks(logs.stdout)} (JSON escapes them)"
    lines = [json.loads(line) for line in logs.stdout.splitlines() if line.strip()]  # U+2028 would split a line
    assert any(line.get("line", line.get("message", "")) == f"GET /hostile {HOSTILE}" for line in lines), lines[-3:]
    show = run_cli("--json", "routes", "show", "catalog", "-n", "shop", env=env)
    assert show.returncode == 0, show.stderr
    assert not leaks(show.stdout), f"--json routes show wrote raw {leaks(show.stdout)} (JSON escapes them)"
    assert HOSTILE in strings(json.loads(show.stdout))
    status = run_cli("--json", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert not leaks(status.stdout), f"--json status wrote raw {leaks(status.stdout)} (JSON escapes them)"
    assert any(HOSTILE in text for text in strings(json.loads(status.stdout))), status.stdout[-2000:]


def strings(value: object) -> set[str]:
    """Every string inside a decoded JSON document (keys too) with hostile prefixes cut at the payload."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update({value, value[value.find(HOSTILE):] if HOSTILE in value else value})
    elif isinstance(value, dict):
        for key, item in value.items():
            found |= strings(key) | strings(item)
    elif isinstance(value, list):
        for item in value:
            found |= strings(item)
    return found


def test_files_in_this_module_are_real(world: dict) -> None:
    """The fixture really wrote what the other tests read (so they cannot pass on an empty cluster)."""
    tour = Path(world["tmp"]) / "config" / "meshtui" / "tours" / "hostile.yaml"
    assert tour.exists() and (Path(world["tmp"]) / "hostile-kubeconfig").exists()


def test_istio_lint_shows_the_file_keys_inert(world: dict) -> None:
    """Field names and kinds come from the linted file: shown inert on a terminal, exact in --json."""
    file = Path(world["tmp"]) / "hostile-operator.yaml"
    file.write_text(yaml.safe_dump({"apiVersion": "install.istio.io/v1alpha1", "kind": f"Op{HOSTILE}",
                                    "spec": {f"key{HOSTILE}": 1, "values": {"global": {"jwtPolicy": "x"}}}}))
    code, out = on_terminal(["istio", "lint", str(file)], world["env"])
    assert not leaks(out), f"`meshtui istio lint` wrote raw {leaks(out)}:\n{out[-2000:]}"
    assert code == 1 and "key␛]0;PWNED␇" + MARKUP in out, out[-2000:]
    result = run_cli("--json", "istio", "lint", str(file), env=world["env"])
    assert f"key{HOSTILE}" in strings(json.loads(result.stdout)), result.stdout[-2000:]
