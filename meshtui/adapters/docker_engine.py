"""The Docker engine through the docker SDK: daemon facts and the cluster's node containers.

kind and minikube nodes ARE Docker containers, so this is where meshtui finds them
(by kind's and minikube's labels) and reads their resource usage. A daemon that is
missing or goes away raises `DockerUnavailable`, which callers turn into a notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from meshtui.adapters import imports
from meshtui.domain.errors import MeshtuiError

KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster"
KIND_ROLE_LABEL = "io.x-k8s.kind.role"
MINIKUBE_NAME_LABEL = "name.minikube.sigs.k8s.io"
MINIKUBE_ROLE_LABEL = "role.minikube.sigs.k8s.io"


@dataclass(frozen=True)
class ContainerIdentity:
    """A container as Docker identifies it: a name can be reused, an ID and creation time cannot."""

    name: str
    id: str
    created: str
    """Docker's `Created` timestamp (RFC 3339, nanoseconds)."""


class DockerUnavailable(MeshtuiError):
    """The Docker daemon cannot be reached."""


@dataclass(frozen=True)
class EngineInfo:
    """What `docker info` says about the daemon."""

    server_version: str
    mem_total: int
    cpus: int
    root_dir: str
    cgroup_version: str
    os: str


@dataclass(frozen=True)
class NodeContainer:
    """A container that is a Kubernetes node of the current cluster."""

    id: str
    name: str
    role: str
    status: str
    labels: dict[str, str] = field(default_factory=dict)


def _unavailable(exc: BaseException) -> DockerUnavailable:
    text = str(exc)
    if "FileNotFoundError" in text or "No such file" in text or "Connection refused" in text:
        text = "the Docker daemon is not running"
    return DockerUnavailable(f"Docker is not reachable: {text[:200]}",
                             hint="start Docker (Linux: `sudo systemctl start docker`; macOS/Windows: Docker Desktop)")


def _identity(container: Any) -> ContainerIdentity:
    return ContainerIdentity(name=str(container.name), id=str(container.id),
                             created=str((container.attrs or {}).get("Created", "")))


def load_sdk() -> None:
    """Import the docker SDK once, never beside another thread's import of the HTTP stack."""
    imports.ensure(*imports.DOCKER)


def docker_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "the daemon is gone" (SDK and requests)."""
    load_sdk()
    import docker.errors
    import requests.exceptions

    return (docker.errors.DockerException, requests.exceptions.ConnectionError, requests.exceptions.Timeout,
            ConnectionError, OSError)


class DockerEngine:
    """A lazily connected docker SDK client."""

    def __init__(self, timeout: float = 10.0) -> None:
        self._timeout = timeout
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            load_sdk()
            import docker

            try:
                self._client = docker.from_env(timeout=self._timeout)
            except docker_errors() as exc:
                raise _unavailable(exc) from None
        return self._client

    def info(self) -> EngineInfo:
        """Daemon version, memory and CPUs (`docker info`)."""
        try:
            data = self.client.info()
        except docker_errors() as exc:
            raise _unavailable(exc) from None
        return EngineInfo(server_version=str(data.get("ServerVersion", "?")), mem_total=int(data.get("MemTotal", 0)),
                          cpus=int(data.get("NCPU", 0)), root_dir=str(data.get("DockerRootDir", "")),
                          cgroup_version=str(data.get("CgroupVersion", "1")), os=str(data.get("OperatingSystem", "")))

    def node_containers(self, cluster: str, provider: str) -> list[NodeContainer]:
        """Running containers that are nodes of `cluster` (kind labels or minikube's)."""
        if provider == "minikube":
            filters = {"label": f"{MINIKUBE_NAME_LABEL}={cluster}"}
            role_label = MINIKUBE_ROLE_LABEL
        else:
            filters = {"label": f"{KIND_CLUSTER_LABEL}={cluster}"}
            role_label = KIND_ROLE_LABEL
        try:
            containers = self.client.containers.list(filters=filters, ignore_removed=True)
        except docker_errors() as exc:
            raise _unavailable(exc) from None
        nodes = [NodeContainer(id=c.id, name=c.name, role=(c.labels or {}).get(role_label, "node"),
                               status=c.status, labels=dict(c.labels or {})) for c in containers]
        return sorted(nodes, key=lambda n: n.name)

    def container_identity(self, name: str) -> ContainerIdentity | None:
        """ID and creation time of the container called (or with the ID) `name`; None when there is none."""
        load_sdk()
        import docker

        try:
            container = self.client.containers.get(name)
        except docker.errors.NotFound:
            return None
        except docker_errors() as exc:
            raise _unavailable(exc) from None
        return _identity(container)

    def node_identities(self, cluster: str, provider: str) -> list[ContainerIdentity]:
        """Every node container of `cluster`, running or stopped, by kind's or minikube's cluster label."""
        label = MINIKUBE_NAME_LABEL if provider == "minikube" else KIND_CLUSTER_LABEL
        try:
            containers = self.client.containers.list(all=True, filters={"label": f"{label}={cluster}"},
                                                     ignore_removed=True)
        except docker_errors() as exc:
            raise _unavailable(exc) from None
        return sorted((_identity(c) for c in containers), key=lambda n: n.name)

    def stats_stream(self, container_id: str) -> Iterator[dict]:
        """Decoded stats samples, one per second, until the container stops."""
        try:
            api = self.client.api
            yield from api.stats(container_id, stream=True, decode=True)
        except docker_errors() as exc:
            raise _unavailable(exc) from None

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:
                pass
            self._client = None
