"""Images and registry containers through the docker SDK: build, push, pull, the local registry.

Build and push stream their progress (`on_line`), because a first build takes minutes
and a silent step looks hung. The registry check is a plain HTTP GET of `/v2/` on
loopback: any registry (kind's `registry:3` container or Debian's docker-registry)
answers 200 or 401 there.
"""

from __future__ import annotations

import io
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meshtui.adapters.docker_engine import DockerEngine, _unavailable, docker_errors, load_sdk
from meshtui.domain.errors import MeshtuiError

BUILD_TIMEOUT = 900
NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
REGISTRY_IMAGE = "registry:3"
MANIFEST_TYPES = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                            "application/vnd.docker.distribution.manifest.v2+json",
                            "application/vnd.docker.distribution.manifest.list.v2+json"])


class ImageError(MeshtuiError):
    """A build, push or pull reported an error."""


def _chunks(stream: Any, on_line: Callable[[str], None]) -> None:
    for chunk in stream:
        if not isinstance(chunk, dict):
            continue
        if chunk.get("error") or chunk.get("errorDetail"):
            detail = chunk.get("error") or chunk["errorDetail"].get("message", "")
            raise ImageError(str(detail).strip())
        text = chunk.get("stream") or chunk.get("status") or ""
        if chunk.get("progress") or not str(text).strip():
            continue
        for line in str(text).splitlines():
            if line.strip():
                on_line(line.rstrip())


def build(engine: DockerEngine, context: Path, dockerfile: str, tag: str, build_args: dict[str, str],
          on_line: Callable[[str], None]) -> str:
    """Build `tag` from a context directory; returns the image id."""
    try:
        api = engine.client.api
        _chunks(api.build(path=str(context), dockerfile=dockerfile, tag=tag, buildargs=dict(build_args), rm=True,
                          decode=True, timeout=BUILD_TIMEOUT), on_line)
        return str(engine.client.images.get(tag).id)
    except ImageError:
        raise
    except docker_errors() as exc:
        raise _unavailable(exc) from None


def push(engine: DockerEngine, tag: str, on_line: Callable[[str], None]) -> None:
    repository, _, version = tag.rpartition(":")
    try:
        _chunks(engine.client.api.push(repository, tag=version, stream=True, decode=True), on_line)
    except ImageError:
        raise
    except docker_errors() as exc:
        raise _unavailable(exc) from None


def pull(engine: DockerEngine, tag: str) -> str:
    repository, _, version = tag.rpartition(":")
    try:
        return str(engine.client.images.pull(repository, tag=version).id)
    except docker_errors() as exc:
        raise ImageError(f"pull {tag}: {exc}") from None


def image_exists(engine: DockerEngine, tag: str) -> bool:
    load_sdk()
    import docker

    try:
        engine.client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False
    except docker_errors() as exc:
        raise _unavailable(exc) from None


def registry_answers(port: int, timeout: float = 2.0) -> bool:
    """A Docker registry (v2 API) listens on 127.0.0.1:port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=timeout) as response:
            return response.status == 200
    except urllib.error.HTTPError as exc:
        return exc.code == 401
    except (urllib.error.URLError, OSError):
        return False


def registry_has(port: int, name: str, tag: str, timeout: float = 3.0) -> bool:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/{name}/manifests/{tag}", method="HEAD",
                                     headers={"Accept": MANIFEST_TYPES})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def run_registry_argv(name: str, port: int, image: str = REGISTRY_IMAGE) -> list[str]:
    """The docker CLI equivalent of `run_registry` (for --dry-run)."""
    return ["docker", "run", "-d", "--restart=always", "-p", f"127.0.0.1:{port}:5000", "--network", "bridge",
            "--name", name, image]


def run_registry(engine: DockerEngine, name: str, port: int, image: str = REGISTRY_IMAGE) -> str:
    """Start the registry container (created when missing, started when stopped); returns 'created'|'started'."""
    load_sdk()
    import docker

    try:
        try:
            container = engine.client.containers.get(name)
            container.start()
            return "started"
        except docker.errors.NotFound:
            engine.client.containers.run(image, name=name, detach=True, network="bridge",
                                         restart_policy={"Name": "always"}, ports={"5000/tcp": ("127.0.0.1", port)})
            return "created"
    except docker.errors.ImageNotFound:
        raise ImageError(f"the image {image} is not available offline",
                         hint=f"docker pull {image} while online") from None
    except docker_errors() as exc:
        raise _unavailable(exc) from None


def remove_container(engine: DockerEngine, name: str) -> bool:
    """Remove a container by name or (to be sure which one) by ID; False when there is none."""
    load_sdk()
    import docker

    try:
        engine.client.containers.get(name).remove(force=True)
        return True
    except docker.errors.NotFound:
        return False
    except docker_errors() as exc:
        raise _unavailable(exc) from None


def write_file(engine: DockerEngine, container: str, path: str, content: str) -> None:
    """Create `path` (and its directory) inside a running container, without a shell."""
    directory, _, filename = path.rpartition("/")
    try:
        target = engine.client.containers.get(container)
        code, output = target.exec_run(["mkdir", "-p", directory], environment={"PATH": NODE_PATH})
        if code != 0:
            raise ImageError(f"{container}: mkdir {directory} failed: {output.decode(errors='replace').strip()}")
        data = content.encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            info = tarfile.TarInfo(filename)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
        target.put_archive(directory, buffer.getvalue())
    except ImageError:
        raise
    except docker_errors() as exc:
        raise ImageError(f"{container}: cannot write {path}: {exc}") from None


def connect_network(engine: DockerEngine, network: str, container: str) -> bool:
    """Attach a container to a network; False when it already is."""
    load_sdk()
    import docker

    try:
        engine.client.networks.get(network).connect(container)
        return True
    except docker.errors.APIError as exc:
        if "already exists" in str(exc):
            return False
        raise ImageError(f"docker network connect {network} {container}: {exc}") from None
    except docker_errors() as exc:
        raise _unavailable(exc) from None
