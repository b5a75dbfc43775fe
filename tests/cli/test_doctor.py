"""`meshtui doctor` against the real Docker engine and fake tools that print real version formats."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.conftest import FakeTools, run_cli


def checks_by_name(stdout: str) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(stdout)["checks"]}


def test_all_tools_present_and_new_enough(fake_tools: FakeTools, docker_engine: object) -> None:
    result = run_cli("doctor", "-p", "default", "--json")
    checks = checks_by_name(result.stdout)
    for tool, version in (("kind", "0.32.0"), ("kubectl", "1.36.1"), ("istioctl", "1.28.6"),
                          ("minikube", "1.38.1"), ("helm", "3.19.0")):
        assert checks[tool]["status"] == "pass", checks[tool]
        assert checks[tool]["data"]["version"] == version
    assert checks["docker"]["status"] in ("pass", "warn")  # warn: this machine has fewer CPUs than Istio wants
    assert checks["docker"]["data"]["version"]
    assert ["kind", "version"] in fake_tools.calls("kind")
    assert ["istioctl", "version", "--remote=false", "-o", "json"] in fake_tools.calls("istioctl")


def test_missing_and_old_tools_fail_with_the_fix(fake_tools: FakeTools, docker_engine: object) -> None:
    fake_tools.remove("istioctl")
    fake_tools.configure(versions={"kind": "v0.19.0"})
    result = run_cli("doctor", "-p", "default", "--json")
    assert result.returncode == 1
    checks = checks_by_name(result.stdout)
    assert checks["istioctl"]["status"] == "fail" and "install.sh --tools" in checks["istioctl"]["fix"]
    assert checks["kind"]["status"] == "fail" and "0.19.0 is older than the supported 0.20.0" in checks["kind"]["reason"]


def test_tools_the_profile_does_not_need_are_not_failures(fake_tools: FakeTools) -> None:
    for tool in ("kind", "minikube", "istioctl", "helm"):
        fake_tools.remove(tool)
    result = run_cli("doctor", "-p", "sim", "--json")
    checks = checks_by_name(result.stdout)
    assert checks["kind"]["status"] == "pass" and "not needed" in checks["kind"]["reason"]
    assert result.returncode == 0, result.stdout


def test_a_taken_host_port_fails(fake_tools: FakeTools, docker_engine: object, tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        profile = tmp_path / "p.yaml"
        profile.write_text(f"cluster:\n  provider: kind\n  name: porttest\n  ports: [{{host: {port}, node: 30080}}]\n"
                           "  registry: {enabled: false}\n")
        result = run_cli("doctor", "-p", str(profile), "--json")
    check = checks_by_name(result.stdout)[f"port {port}"]
    assert check["status"] == "fail" and "already in use" in check["reason"] and "ss -ltnp" in check["fix"]
    assert result.returncode == 1


def test_no_docker_daemon_is_a_clear_failure(fake_tools: FakeTools) -> None:
    result = run_cli("doctor", "-p", "default", "--json", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    check = checks_by_name(result.stdout)["docker"]
    assert check["status"] == "fail" and "not reachable" in check["reason"]
    assert "start Docker" in check["fix"]
    assert result.returncode == 1


def test_plain_output_has_one_line_per_check_and_fixes(fake_tools: FakeTools) -> None:
    fake_tools.remove("kind")
    result = run_cli("doctor", "-p", "default")
    assert result.returncode == 1
    assert "FAIL  kind" in result.stdout
    assert "fix: ./install.sh --tools" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith("failed")
    assert "\x1b[" not in result.stdout  # not a TTY: no colour
