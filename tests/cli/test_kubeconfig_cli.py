"""Hostile and broken kubeconfigs through the real CLI: one clear message, the right exit code, nothing sent.

Each case is a real kubeconfig file; "nothing sent" is measured at the wire by the
recording relay (tests/fakes/relay.py), and "the credential plugin did not run" by the
marker file the plugin script writes when it runs.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import SimCluster, run_cli
from tests.fakes.relay import Relay


@pytest.fixture
def relay(sim: SimCluster) -> Iterator[Relay]:
    relay = Relay(int(sim.url.rsplit(":", 1)[1]))
    yield relay
    relay.close()


def kubeconfig(path: Path, clusters: list[dict], contexts: list[dict] | None = None,
               users: list[dict] | None = None, current: str = "k") -> str:
    contexts = contexts if contexts is not None else [{"name": "k", "context": {"cluster": "k", "user": "u",
                                                                                 "namespace": "shop"}}]
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": current,
                                    "clusters": clusters, "contexts": contexts,
                                    "users": users if users is not None else [{"name": "u", "user": {"token": "t"}}]}))
    return str(path)


def assert_one_clear_message(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert result.returncode == code, result.stdout[-1500:] + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_a_yaml_merge_key_in_a_kubeconfig_is_refused_before_any_request(sim: SimCluster, relay: Relay,
                                                                        tmp_path: Path) -> None:
    # PyYAML reads the local server, kubectl's Go YAML the merged (remote) one: meshtui refuses the file
    path = tmp_path / "merge.kc"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: k\n"
        f"remote: &r {{server: 'http://127.0.0.1:{relay.port}'}}\n"
        f"clusters:\n- name: k\n  cluster:\n    server: {sim.url}\n    <<: *r\n"
        "contexts:\n- name: k\n  context: {cluster: k, user: u, namespace: shop}\n"
        "users:\n- name: u\n  user: {token: t}\n")
    for args in (("routes", "set", "catalog", "v1=50", "v2=50", "-n", "shop", "--yes"), ("status",)):
        result = run_cli("--kubeconfig", str(path), *args)
        assert_one_clear_message(result, 2, "merge keys (<<)", f"{path}:9")
    assert relay.connections == 0


def write_plugin(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "plugin-ran"
    script = tmp_path / "get-token"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\n"
                      'echo \'{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", '
                      '"status": {"token": "plugin-token"}}\'\n')
    script.chmod(0o755)
    return script, marker


def test_a_credential_plugin_never_runs_before_the_guard_refuses(sim: SimCluster, relay: Relay,
                                                                 tmp_path: Path) -> None:
    script, marker = write_plugin(tmp_path)
    path = kubeconfig(tmp_path / "exec.kc",
                      [{"name": "k", "cluster": {"server": "http://prod.example.internal:6443",
                                                 "proxy-url": f"http://127.0.0.1:{relay.port}"}}],
                      users=[{"name": "u", "user": {"exec": {
                          "apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(script)}}}])
    refused = run_cli("--kubeconfig", path, "routes", "set", "catalog", "v1=80", "v2=20", "-n", "shop", "--yes")
    assert_one_clear_message(refused, 3, "REMOTE")
    assert not marker.exists() and relay.connections == 0
    # a read is allowed on a remote context: only then does the plugin run (so the marker above can fail)
    allowed = run_cli("--kubeconfig", path, "routes", "list", "-n", "shop")
    assert allowed.returncode == 0, allowed.stderr
    assert marker.exists() and relay.connections > 0


def test_a_ca_file_that_is_a_device_or_a_fifo_cannot_hang_or_exhaust_meshtui(sim: SimCluster, tmp_path: Path) -> None:
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)
    clusters = [{"name": "k", "cluster": {"server": sim.url}},
                {"name": "zero", "cluster": {"server": "https://127.0.0.1:1", "certificate-authority": "/dev/zero"}},
                {"name": "fifo", "cluster": {"server": "https://127.0.0.1:2", "certificate-authority": str(fifo)}}]
    contexts = [{"name": name, "context": {"cluster": name, "user": "u", "namespace": "shop"}}
                for name in ("k", "zero", "fifo")]
    path = kubeconfig(tmp_path / "ca.kc", clusters, contexts)
    # unused contexts naming them do not matter
    ok = run_cli("--kubeconfig", path, "routes", "list", "-n", "shop", timeout=60)
    assert ok.returncode == 0, ok.stderr
    # the context in use: one message, exit 2, in bounded time
    for name, why in (("zero", "/dev/zero: it is not a regular file"), ("fifo", "it is not a regular file")):
        result = run_cli("--kubeconfig", path, "--context", name, "status", timeout=60)
        assert_one_clear_message(result, 2, why)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize(("text", "fragments"), [
    ("", ("has no contexts", "the file is empty")),
    ("apiVersion: v1\nclusters:\n- name: k\n  cluster: {server: 12345}\ncontexts:\n- name: k\n  context: "
     "{cluster: k, user: u}\ncurrent-context: k\nusers:\n- name: u\n  user: {}\n",
     ("must be a string, not a number", "clusters.0.cluster.server", ":4")),
    ("apiVersion: v1\nclusters:\n- name: k\n  cluster: {server: 'http://127.0.0.1:1', proxy-url: 5}\ncontexts:\n"
     "- name: k\n  context: {cluster: k, user: u}\ncurrent-context: k\nusers:\n- name: u\n  user: {}\n",
     ("must be a string, not a number", "proxy-url")),
    ("apiVersion: v1\nclusters:\n- name: k\n  cluster: {server: 'http://127.0.0.1:1'}\ncontexts:\n"
     "- name: k\n  context: {cluster: k, user: u}\n- name: k\n  context: {cluster: k, user: u}\n"
     "current-context: k\nusers:\n- name: u\n  user: {}\n",
     ("duplicate name 'k' in contexts (first at line 6)", ":8")),
    ("apiVersion: v1\nclusters: [1]\ncontexts: []\n", ("each entry must be a mapping",)),
    ("just a string\n", ("a kubeconfig must be a mapping",)),
], ids=["empty", "server-int", "proxy-int", "duplicate-context", "cluster-not-mapping", "not-mapping"])
def test_kubeconfig_problems_are_one_message_and_exit_2(text: str, fragments: tuple[str, ...],
                                                        tmp_path: Path) -> None:
    path = tmp_path / "bad.kc"
    path.write_text(text)
    for args in (("status",), ("routes", "list", "-n", "shop")):
        result = run_cli("--kubeconfig", str(path), *args, timeout=60)
        assert_one_clear_message(result, 2, *fragments)


def test_a_socks_proxy_without_pysocks_is_one_clear_message(sim: SimCluster, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "socks.kc", [{"name": "k", "cluster": {"server": sim.url,
                                                                       "proxy-url": "socks5://127.0.0.1:1080"}}])
    result = run_cli("--kubeconfig", path, "--allow-remote", "routes", "list", "-n", "shop", timeout=60)
    if result.returncode == 0:  # PySocks is installed here: nothing to report
        pytest.skip("PySocks is installed")
    assert_one_clear_message(result, 2, "SOCKS proxy", "PySocks")


# -- the wire: a TLS server the client does not trust, a server that never answers -------------------

def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


class Silent:
    """A loopback server that accepts connections (optionally TLS) and never answers."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.context = context
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            if self.context is not None:
                try:
                    conn = self.context.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    conn.close()
                    continue
            self.held.append(conn)

    def close(self) -> None:
        self.server.close()
        for conn in self.held:
            conn.close()


def test_a_tls_error_keeps_its_reason(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Silent(context)
    try:
        path = kubeconfig(tmp_path / "tls.kc", [{"name": "k", "cluster": {"server": f"https://127.0.0.1:{server.port}"}}])
        result = run_cli("--kubeconfig", path, "routes", "list", "-n", "shop", timeout=90)
        assert_one_clear_message(result, 1, f"cannot reach the API server https://127.0.0.1:{server.port}",
                                 "TLS: certificate verify failed: self-signed certificate")
    finally:
        server.close()


def test_a_server_that_accepts_but_never_answers_gets_a_bounded_clear_message(tmp_path: Path) -> None:
    server = Silent()
    try:
        path = kubeconfig(tmp_path / "silent.kc", [{"name": "k", "cluster": {"server": f"http://127.0.0.1:{server.port}"}}])
        for args in (("routes", "list", "-n", "shop"), ("--json", "status")):
            result = run_cli("--kubeconfig", path, *args, timeout=120)
            assert result.returncode == 1, result.stdout + result.stderr
            text = result.stdout + result.stderr
            assert "accepted the connection but did not answer within" in text, text
            assert "Traceback" not in text
    finally:
        server.close()


def test_a_thousand_contexts_are_parsed_once(tmp_path: Path, sim: SimCluster) -> None:
    """Many contexts still work, and the answer is the one the file names first (kubectl's rule)."""
    clusters = [{"name": f"c{i}", "cluster": {"server": f"http://127.0.0.{i % 250 + 1}:{1000 + i}"}} for i in range(1000)]
    clusters.append({"name": "k", "cluster": {"server": sim.url}})
    contexts = [{"name": f"x{i}", "context": {"cluster": f"c{i}", "user": "u"}} for i in range(1000)]
    contexts.append({"name": "k", "context": {"cluster": "k", "user": "u", "namespace": "shop"}})
    path = kubeconfig(tmp_path / "big.kc", clusters, contexts)
    result = run_cli("--kubeconfig", path, "--json", "routes", "list", "-n", "shop", timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)


def test_a_context_typo_is_bad_input_with_a_suggestion(sim: SimCluster, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "k.kc", [{"name": "k", "cluster": {"server": sim.url}},
                                          {"name": "zero", "cluster": {"server": "https://127.0.0.1:1",
                                                                      "certificate-authority": "/dev/zero"}}],
                      [{"name": "meshtui-sim", "context": {"cluster": "k", "user": "u", "namespace": "shop"}},
                       {"name": "zero", "context": {"cluster": "zero", "user": "u"}}], current="meshtui-sim")
    result = run_cli("--kubeconfig", path, "--context", "meshtui-sm", "routes", "list", "-n", "shop", timeout=60)
    assert_one_clear_message(result, 2, "no context 'meshtui-sm'", "did you mean 'meshtui-sim'?")
