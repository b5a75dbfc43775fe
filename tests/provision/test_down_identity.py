"""`down` removes a registry container or a kind/minikube cluster only while it is the very one `up` made.

Finding: `down` removed them by name alone. After the user removed meshtui's registry and
started an unrelated container of the same name, or re-created the cluster, `down` removed
someone else's. Here the fake kind/minikube start real node containers (the local test image,
nothing pulled) and the registry is a real container from a local image: the name is reused
by a stranger, and `down` must leave the stranger alone, say why, and still exit 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_IMAGE, FakeTools, SimCluster, run_cli

KIND_LABEL = "io.x-k8s.kind.cluster"
MINIKUBE_LABEL = "name.minikube.sigs.k8s.io"


@pytest.fixture
def names(docker_engine) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    tag = f"s14-{uuid.uuid4().hex[:8]}"
    yield {"cluster": tag, "registry": f"{tag}-registry"}
    for container in docker_engine.containers.list(all=True, filters={"name": tag}):
        container.remove(force=True)
    for label in (KIND_LABEL, MINIKUBE_LABEL):
        for container in docker_engine.containers.list(all=True, filters={"label": f"{label}={tag}"}):
            container.remove(force=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_profile(tmp_path: Path, provider: str, names: dict[str, str], registry: bool = False) -> Path:
    """A profile with nothing but the cluster (the registry only for `down`: this engine has no bridge network)."""
    registry = f"{{enabled: true, port: {free_port()}, name: {names['registry']}}}" if registry else "{enabled: false}"
    path = tmp_path / f"{names['cluster']}.yaml"
    path.write_text(f"cluster:\n  provider: {provider}\n  name: {names['cluster']}\n  workers: 0\n"
                    f"  metrics_server: false\n  registry: {registry}\nistio: {{enabled: false}}\n"
                    "needs: {memory_gb: 0.1, cpus: 0.1}\n")
    return path


def journal(state: Path, profile: Path) -> dict:
    return json.loads((state / "meshtui" / "up" / f"{profile.stem}.json").read_text())


def tool(fake_tools: FakeTools, *argv: str) -> None:
    """Run the fake tool as a user (or another program) would, outside meshtui."""
    subprocess.run([str(fake_tools.bin_dir / argv[0]), *argv[1:]], check=True, capture_output=True,
                   env={**os.environ})


def up(profile: Path) -> None:
    result = run_cli("up", "-p", str(profile), "--yes", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def stranger(engine, name: str, **labels: str):  # type: ignore[no-untyped-def]
    return engine.containers.run(TEST_IMAGE, ["sleep", "600"], name=name, detach=True, network_mode="none",
                                 labels=labels)


def write_journal(state: Path, profile: Path, created: dict, version: int = 2) -> Path:
    path = state / "meshtui" / "up" / f"{profile.stem}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": version, "steps": {}, "created": created}))
    return path


def test_down_leaves_a_recreated_kind_cluster(docker_engine, names: dict[str, str],  # type: ignore[no-untyped-def]
                                              fake_tools: FakeTools, sim: SimCluster, tmp_path: Path) -> None:
    fake_tools.configure(sim_url=sim.url, docker_nodes=True)
    profile = write_profile(tmp_path, "kind", names)
    up(profile)
    [node] = docker_engine.containers.list(all=True, filters={"label": f"{KIND_LABEL}={names['cluster']}"})
    assert [n["id"] for n in journal(tmp_path / "xdg-state", profile)["created"]["nodes"]] == [node.id]
    tool(fake_tools, "kind", "delete", "cluster", "--name", names["cluster"])  # someone re-creates the cluster
    tool(fake_tools, "kind", "create", "cluster", "--name", names["cluster"])
    calls = len(fake_tools.calls("kind"))

    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"left the kind cluster {names['cluster']}: 1 of its 1 node container(s) are not the ones meshtui " \
           "created" in down.stdout
    assert ["kind", "delete", "cluster", "--name", names["cluster"]] not in fake_tools.calls("kind")[calls:]
    [new] = docker_engine.containers.list(all=True, filters={"label": f"{KIND_LABEL}={names['cluster']}"})
    assert new.id != node.id and new.status == "running"


def test_down_deletes_the_cluster_up_made_while_it_still_is(docker_engine, names: dict[str, str],  # type: ignore[no-untyped-def]
                                                            fake_tools: FakeTools, sim: SimCluster,
                                                            tmp_path: Path) -> None:
    fake_tools.configure(sim_url=sim.url, docker_nodes=True)
    profile = write_profile(tmp_path, "kind", names)
    up(profile)
    assert journal(tmp_path / "xdg-state", profile)["version"] == 2
    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert fake_tools.calls("kind")[-1] == ["kind", "delete", "cluster", "--name", names["cluster"]]
    assert docker_engine.containers.list(all=True, filters={"name": names["cluster"]}) == []


def test_down_leaves_a_recreated_minikube_cluster(docker_engine, names: dict[str, str],  # type: ignore[no-untyped-def]
                                                  fake_tools: FakeTools, sim: SimCluster, tmp_path: Path) -> None:
    fake_tools.configure(sim_url=sim.url, docker_nodes=True)
    profile = write_profile(tmp_path, "minikube", names)
    up(profile)
    first = docker_engine.containers.get(names["cluster"])
    tool(fake_tools, "minikube", "delete", "-p", names["cluster"])
    tool(fake_tools, "minikube", "start", "-p", names["cluster"])
    assert docker_engine.containers.get(names["cluster"]).id != first.id
    calls = len(fake_tools.calls("minikube"))
    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"left the minikube cluster {names['cluster']}" in down.stdout
    assert ["minikube", "delete", "-p", names["cluster"]] not in fake_tools.calls("minikube")[calls:]
    assert docker_engine.containers.get(names["cluster"]).status == "running"


def test_down_removes_the_registry_only_while_it_is_the_container_up_made(
        docker_engine, names: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The record `up` writes (name, ID, creation time); this engine has no bridge network to run registry:3 on."""
    from meshtui.adapters.docker_engine import DockerEngine

    profile = write_profile(tmp_path, "kind", names, registry=True)
    state = tmp_path / "xdg-state"
    ours = stranger(docker_engine, names["registry"])
    engine = DockerEngine()
    made = engine.container_identity(names["registry"])
    engine.close()
    assert made is not None and made.id == ours.id
    record = {"name": made.name, "id": made.id, "created": made.created}
    write_journal(state, profile, {"registry": names["registry"], "registry_container": record})
    ours.remove(force=True)  # the user removes meshtui's registry and runs something else under its name
    other = stranger(docker_engine, names["registry"])
    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"left container {names['registry']}: it is not the one meshtui created" in down.stdout
    other.reload()
    assert other.status == "running"

    record = {"name": names["registry"], "id": other.id, "created": other.attrs["Created"]}
    write_journal(state, profile, {"registry": names["registry"], "registry_container": record})
    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0 and "registry (" in down.stdout and "removed" in down.stdout, down.stdout
    assert docker_engine.containers.list(all=True, filters={"name": names["registry"]}) == []


def test_a_format_1_journal_is_read_but_its_unidentified_containers_are_left(
        docker_engine, names: dict[str, str], fake_tools: FakeTools,  # type: ignore[no-untyped-def]
        tmp_path: Path) -> None:
    """An older meshtui recorded names only: `down` cannot tell them from a stranger's, so it says how to do it."""
    fake_tools.configure(docker_nodes=True, clusters=[names["cluster"]])
    profile = write_profile(tmp_path, "kind", names, registry=True)
    other = stranger(docker_engine, names["registry"])
    node = stranger(docker_engine, f"{names['cluster']}-control-plane", **{KIND_LABEL: names["cluster"]})
    path = write_journal(tmp_path / "xdg-state", profile, {
        "cluster": names["cluster"], "context": f"kind-{names['cluster']}", "registry": names["registry"]}, version=1)
    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "unreadable" not in down.stdout + down.stderr  # a format 1 journal is valid, not moved aside
    assert "recorded by an older meshtui without its container ID" in down.stdout
    assert f"docker rm -f {names['registry']}" in down.stdout
    assert f"kind delete cluster --name {names['cluster']}" in down.stdout
    assert fake_tools.calls("kind") == []
    other.reload()
    node.reload()
    assert other.status == "running" and node.status == "running"
    assert not path.exists()


def test_down_says_it_leaves_a_cluster_it_has_no_record_of(docker_engine, names: dict[str, str],  # type: ignore[no-untyped-def]
                                                            fake_tools: FakeTools, tmp_path: Path) -> None:
    """A cluster of the profile's name that no journal or record says meshtui made (someone else's, or an `up`
    stopped before recording it) is left, with one line saying so and how to remove it; before, `down` said
    "done (0 ran, 0 already done)" and nothing else."""
    fake_tools.configure(docker_nodes=True, clusters=[names["cluster"]])
    profile = write_profile(tmp_path, "kind", names)
    write_journal(tmp_path / "xdg-state", profile, {})  # the journal of an `up` that failed before recording
    down = run_cli("down", "-p", str(profile), "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"left the kind cluster {names['cluster']}: meshtui has no record of creating it" in down.stdout
    assert f"`kind delete cluster --name {names['cluster']}` removes it" in down.stdout
    assert ["kind", "delete", "cluster", "--name", names["cluster"]] not in fake_tools.calls("kind")
    assert "done (0 ran, 1 left as they are)" in down.stdout
