"""install.sh's tool downloads: checksum verified, mismatch refused and deleted, offline is fine."""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture
def artifact_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()


def platform() -> tuple[str, str]:
    os_name = os.uname().sysname.lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    return os_name, arch


def run_install(tmp_path: Path, lock: Path, base: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MESHTUI_VENV": str(tmp_path / "venv"), "MESHTUI_TOOLS_LOCK": str(lock),
           "MESHTUI_DOWNLOAD_BASE": base, "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)}
    return subprocess.run(["bash", str(ROOT / "install.sh"), "--tools-only", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def fake_binary(served: Path, name: str, text: str) -> str:
    data = f"#!/bin/sh\necho '{text}'\n".encode()
    (served / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_verified_download_installs_into_the_venv(tmp_path: Path, artifact_server: tuple[str, Path]) -> None:
    base, served = artifact_server
    os_name, arch = platform()
    sha = fake_binary(served, "kind-fake", "kind v0.32.0 go1.24 linux/amd64")
    lock = tmp_path / "tools.lock"
    lock.write_text(f"kind v0.32.0 {os_name} {arch} https://example.invalid/dl/kind-fake {sha} binary\n")
    result = run_install(tmp_path, lock, base)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kind v0.32.0: downloaded, sha256 verified" in result.stdout
    installed = tmp_path / "venv" / "bin" / "kind"
    assert installed.exists() and os.access(installed, os.X_OK)
    again = run_install(tmp_path, lock, base)
    assert again.returncode == 0 and f"kind: found at {installed}" in again.stdout


def test_checksum_mismatch_is_refused_and_deleted(tmp_path: Path, artifact_server: tuple[str, Path]) -> None:
    base, served = artifact_server
    os_name, arch = platform()
    fake_binary(served, "kind-evil", "evil")
    lock = tmp_path / "tools.lock"
    lock.write_text(f"kind v0.32.0 {os_name} {arch} https://example.invalid/kind-evil {'0' * 64} binary\n")
    result = run_install(tmp_path, lock, base)
    assert result.returncode == 1
    assert "kind: REFUSED: sha256" in result.stdout and "the download was deleted" in result.stdout
    assert not (tmp_path / "venv" / "bin" / "kind").exists()
    assert not list(tmp_path.glob("meshtui-kind.*"))


def test_tar_member_is_extracted(tmp_path: Path, artifact_server: tuple[str, Path]) -> None:
    import tarfile

    base, served = artifact_server
    os_name, arch = platform()
    member = tmp_path / "istioctl"
    member.write_text("#!/bin/sh\necho 'client version: 1.28.6'\n")
    archive = served / "istioctl-fake.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(member, arcname="istioctl")
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    lock = tmp_path / "tools.lock"
    lock.write_text(f"istioctl 1.28.6 {os_name} {arch} https://x/istioctl-fake.tar.gz {sha} tar.gz:istioctl\n")
    result = run_install(tmp_path, lock, base)
    assert result.returncode == 0, result.stdout
    out = subprocess.run([str(tmp_path / "venv" / "bin" / "istioctl")], capture_output=True, text=True)
    assert out.stdout.strip() == "client version: 1.28.6"


def test_offline_says_so_in_one_line_and_succeeds(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    os_name, arch = platform()
    lock = tmp_path / "tools.lock"
    lock.write_text(f"kind v0.32.0 {os_name} {arch} https://x/kind {'0' * 64} binary\n")
    result = run_install(tmp_path, lock, f"http://127.0.0.1:{closed_port}")
    assert result.returncode == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("kind:")]
    assert len(lines) == 1 and "offline" in lines[0]


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "MESHTUI_VENV": str(tmp_path / "venv"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(["bash", str(ROOT / "install.sh"), "--tools-only", "--bogus"], capture_output=True,
                            text=True, env=env)
    assert result.returncode == 2 and "unknown option" in result.stderr
