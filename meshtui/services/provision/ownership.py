"""Is it still the container or cluster meshtui created? Asked by `up` (to record) and `down` (to remove).

Docker names are reused: after the user removed meshtui's registry and started an
unrelated container called `kind-registry`, or re-created a kind cluster of the same
name, a name-only `down` would remove someone else's work. So `up` records the Docker
ID and creation time of the registry container and of every node container of the
cluster it made, and `down` removes them only while the name still answers with the
recorded identity. Otherwise it leaves them and says why in one line; that is not a
failure of the whole `down`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from meshtui.services.state import ContainerRecord

if TYPE_CHECKING:
    from meshtui.adapters.docker_engine import ContainerIdentity, DockerEngine
    from meshtui.services.provision.providers import Provider


@dataclass(frozen=True)
class Verdict:
    """What `down` does with one recorded thing: remove it, or leave it for `reason`."""

    remove: bool
    reason: str
    gone: bool = False
    """Nothing of it is left (or it was replaced): meshtui's record of it can be forgotten."""


def record_of(identity: ContainerIdentity) -> ContainerRecord:
    return ContainerRecord(name=identity.name, id=identity.id, created=identity.created)


def node_records(docker: DockerEngine, provider: Provider) -> list[ContainerRecord] | None:
    """The node containers of the cluster `provider` just made; None when it has none to identify it by."""
    if provider.name not in ("kind", "minikube"):
        return None
    nodes = docker.node_identities(provider.profile.cluster.name, provider.name)
    return [record_of(node) for node in nodes] or None


def _short(record: ContainerRecord | ContainerIdentity) -> str:
    return f"{record.id[:12]} created {record.created}"


def registry(docker: DockerEngine, name: str, recorded: ContainerRecord | None) -> Verdict:
    """Remove the registry container `name` only while it has the ID and creation time `up` recorded."""
    if recorded is None:
        return Verdict(False, f"left container {name}: recorded by an older meshtui without its container ID, so it "
                              f"cannot be told from another container of that name (remove it yourself if it is "
                              f"meshtui's: docker rm -f {name})")
    found = docker.container_identity(name)
    if found is None:
        return Verdict(False, f"container {name} is gone already (removed outside meshtui)", gone=True)
    if (found.id, found.created) != (recorded.id, recorded.created):
        return Verdict(False, f"left container {name}: it is not the one meshtui created ({_short(found)}; meshtui "
                              f"made {_short(recorded)}), so it belongs to someone else", gone=True)
    return Verdict(True, f"container {name} ({_short(found)}) is the one meshtui created")


def cluster(docker: DockerEngine, provider: Provider, recorded: list[ContainerRecord] | None) -> Verdict:
    """Delete a kind/minikube cluster only while its node containers are exactly the ones `up` recorded."""
    name = provider.profile.cluster.name
    if provider.name not in ("kind", "minikube"):
        return Verdict(True, "")  # the simulator: its process is checked by PID, start time and command line
    if not recorded:
        command = " ".join(provider.describe_delete()[0].split()[1:])
        return Verdict(False, f"left the {provider.name} cluster {name}: recorded by an older meshtui without its "
                              f"node containers' IDs, so it cannot be told from a cluster of that name made by "
                              f"someone else (delete it yourself if it is meshtui's: {command})")
    now = {(n.id, n.created) for n in docker.node_identities(name, provider.name)}
    if not now:
        return Verdict(False, f"the {provider.name} cluster {name} is gone already (no node containers left)",
                       gone=True)
    strangers = now - {(n.id, n.created) for n in recorded}
    if strangers:
        return Verdict(False, f"left the {provider.name} cluster {name}: {len(strangers)} of its {len(now)} node "
                              "container(s) are not the ones meshtui created, so it was re-created by someone else",
                       gone=True)
    return Verdict(True, f"its {len(now)} node container(s) are the ones meshtui created")
