"""kind / minikube / istioctl adapters through fake executables; real Docker build, push and pull.

The fakes record argv and print the real tools' formats. For the full `up`, fake
`kind create cluster` merges a context pointing at a simulated cluster into
$KUBECONFIG and fake `istioctl install` creates istiod and the gateway there, so every
later step (apply, rollouts, routes, ingress check) runs for real through the API.
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_IMAGE, FakeTools, SimFactory, require, run_cli

REGISTRY_PORT = int(os.environ.get("MESHTUI_TEST_REGISTRY_PORT", "5055"))
GOLDEN = Path(__file__).parent / "golden" / "up-default-dry-run.txt"


def registry_up() -> bool:
    from meshtui.adapters.docker_images import registry_answers

    return registry_answers(REGISTRY_PORT)


def normalize(text: str, state: Path) -> str:
    return text.replace(str(state), "<state>").replace(str(ROOT), "<repo>")


def test_up_default_dry_run_prints_every_command_and_manifest_exactly(tmp_path: Path, fake_tools: FakeTools,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISTIO_HOME", raising=False)
    result = run_cli("up", "-p", "default", "--dry-run")
    assert result.returncode == 0, result.stderr
    got = normalize(result.stdout, tmp_path / "xdg-state")
    if os.environ.get("MESHTUI_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got)
    assert got == GOLDEN.read_text()
    assert fake_tools.calls() == []  # nothing ran
    assert not (tmp_path / "xdg-state" / "meshtui" / "up").exists()  # nothing written
    assert "local-dev-jwt-secret" not in result.stdout  # secrets: keys only


def test_minikube_dry_run_and_status_exit_codes(fake_tools: FakeTools) -> None:
    result = run_cli("up", "-p", "minikube", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert re.search(r"\$ minikube start -p \S+ --driver=docker --cpus=\d+ --memory=\S+ --nodes=\d+ --wait=all",
                     result.stdout)
    assert "minikube addons enable metrics-server" in result.stdout
    # nothing recorded for minikube: down has nothing to do, and never calls the tool
    down = run_cli("down", "-p", "minikube", "--yes")
    assert down.returncode == 0 and fake_tools.calls("minikube") == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def kind_profile(tmp_path: Path) -> Path:
    build = tmp_path / "app"
    build.mkdir()
    (build / "hello.txt").write_text("hello from meshtui\n")
    (build / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nARG VERSION=v0\nLABEL dev.meshtui.version=$VERSION\n"
                                      "COPY hello.txt /hello.txt\n")
    istio_home = tmp_path / "istio-1.28.6"
    (istio_home / "samples" / "addons").mkdir(parents=True)
    (istio_home / "samples" / "addons" / "prometheus.yaml").write_text(
        (ROOT / "assets" / "sim" / "addon-prometheus.yaml").read_text())
    os.environ["ISTIO_HOME"] = str(istio_home)
    profile = tmp_path / "kindtest.yaml"
    profile.write_text(f"""
cluster:
  provider: kind
  name: meshtui
  kubernetes_version: "1.36.1"
  ports: [{{host: {free_port()}, node: 30080}}]
  registry: {{enabled: true, port: {REGISTRY_PORT}}}
istio: {{profile: demo, addons: [prometheus]}}
apps:
  - name: shop
    namespace: shop
    manifests: {ROOT / 'assets' / 'apps' / 'shop'}
    build:
      - {{context: {build}, image: shop, tag: v1, build_args: {{VERSION: v1}}}}
    env: {{JWT_SECRET: "kind-test-secret-value"}}
    secrets: [JWT_SECRET]
routes:
  - {{host: catalog, namespace: shop, weights: {{v1: 90, v2: 10}}}}
""")
    yield profile
    os.environ.pop("ISTIO_HOME", None)


def test_full_up_with_fake_tools_runs_every_step_in_order(kind_profile: Path, fake_tools: FakeTools,
                                                          sim_factory: SimFactory, docker_engine,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    require(registry_up(), f"no registry on 127.0.0.1:{REGISTRY_PORT} (tests/infra/registry-up.sh)")
    sim = sim_factory(mesh=False, metrics=False)
    fake_tools.configure(sim_url=sim.url)
    node = docker_engine.containers.run(TEST_IMAGE, ["sleep", "600"], name="meshtui-control-plane", detach=True,
                                        network_mode="none", labels={"io.x-k8s.kind.cluster": "meshtui"})
    try:
        result = run_cli("up", "-p", str(kind_profile), "--json", timeout=300)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        evs = [json.loads(line) for line in result.stdout.splitlines()]
        done = [e["step"] for e in evs if e["event"] == "done"]
        assert set(done) == {"preflight", "cluster", "metrics-server", "istio", "addons", "namespaces", "build",
                             "images", "manifests", "rollouts", "routes", "ingress"}
        skipped = {e["step"]: e["text"] for e in evs if e["event"] == "skipped"}
        assert skipped == {"registry": "already in place"}  # the test registry already answers
        calls = [c for c in fake_tools.calls() if c[1:2] != ["version"]]
        assert calls[0] == ["kind", "get", "clusters"]
        create = next(c for c in calls if c[1:3] == ["create", "cluster"])
        assert create[3:5] == ["--name", "meshtui"] and "--image" in create and "kindest/node:v1.36.1" in create
        assert ["kind", "get", "nodes", "--name", "meshtui"] in calls
        install = next(c for c in calls if c[:2] == ["istioctl", "install"])
        assert install[2:7] == ["-y", "--context", "kind-meshtui", "--set", "profile=demo"]
        tools_order = [c[0] + " " + c[1] for c in calls]
        assert tools_order.index("kind create") < tools_order.index("istioctl install")
        assert any(c[0] == "kubectl" and "apply" in c for c in calls)
        # registry wiring really happened on the node container
        hosts = node.exec_run(["cat", f"/etc/containerd/certs.d/localhost:{REGISTRY_PORT}/hosts.toml"])
        assert hosts.exit_code == 0 and b'[host."http://kind-registry:5000"]' in hosts.output
        # the image was pushed to the registry and the Deployments point at it
        from meshtui.adapters.docker_images import registry_has

        assert registry_has(REGISTRY_PORT, "shop", "v1")
        deploy = sim.call(lambda: sim.state.store.find(sim.state.type("deployments"), "shop", "catalog-v1"))
        image = deploy["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image == f"localhost:{REGISTRY_PORT}/shop:v1"
        assert "kind-test-secret-value" not in result.stdout + result.stderr
        vs = sim.call(lambda: sim.state.store.find(sim.state.type("virtualservices"), "shop", "catalog"))
        assert [r["weight"] for r in vs["spec"]["http"][0]["route"]] == [90, 10]

        down = run_cli("down", "-p", str(kind_profile), "--yes")
        assert down.returncode == 0, down.stderr
        assert fake_tools.calls("kind")[-1] == ["kind", "delete", "cluster", "--name", "meshtui"]
    finally:
        node.remove(force=True)
        try:
            docker_engine.images.remove(f"localhost:{REGISTRY_PORT}/shop:v1", force=True)
        except Exception:
            pass


def test_image_build_push_and_pull_back_for_real(docker_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require(registry_up(), f"no registry on 127.0.0.1:{REGISTRY_PORT} (tests/infra/registry-up.sh)")
    from meshtui.adapters import docker_images
    from meshtui.adapters.docker_engine import DockerEngine

    (tmp_path / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nARG VERSION\nLABEL dev.meshtui.version=$VERSION\n")
    engine, lines = DockerEngine(), []
    tag = f"localhost:{REGISTRY_PORT}/meshtui-test:{os.getpid()}"
    try:
        docker_images.build(engine, tmp_path, "Dockerfile", tag, {"VERSION": "v2"}, lines.append)
        assert any("Successfully" in line or "naming to" in line or "Step" in line for line in lines), lines
        docker_images.push(engine, tag, lines.append)
        assert docker_images.registry_has(REGISTRY_PORT, "meshtui-test", str(os.getpid()))
        docker_engine.images.remove(tag, force=True)
        assert not docker_images.image_exists(engine, tag)
        docker_images.pull(engine, tag)
        assert docker_engine.images.get(tag).labels["dev.meshtui.version"] == "v2"
        (tmp_path / "Dockerfile").write_text("FROM no-such-image-anywhere:v1\n")
        with pytest.raises(docker_images.ImageError):
            docker_images.build(engine, tmp_path, "Dockerfile", tag + "x", {}, lines.append)
    finally:
        try:
            docker_engine.images.remove(tag, force=True)
        except Exception:
            pass
        engine.close()
