"""The composition root: builds adapters and services from settings.

The CLI, the TUI and the tests all build meshtui through `Wiring`, so a test that
points `kubeconfig` at the simulated cluster exercises exactly the production
objects. Everything is created on first use: a command pays only for what it touches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from meshtui.domain.secrets import Masker

if TYPE_CHECKING:
    from meshtui.adapters.docker_engine import DockerEngine
    from meshtui.adapters.kube import KubeClient
    from meshtui.config.loader import LoadedProfile


@dataclass
class Wiring:
    """Settings plus lazily built adapters and services."""

    kubeconfig: str | None = None
    context: str | None = None
    allow_remote: bool = False
    read_only: bool = False
    masker: Masker = field(default_factory=Masker)

    @cached_property
    def kube(self) -> KubeClient:
        """The API client for the selected context (raises ClusterUnreachable)."""
        from meshtui.adapters.kube import KubeClient

        return KubeClient.connect(self.kubeconfig, self.context)

    @cached_property
    def docker(self) -> DockerEngine:
        from meshtui.adapters.docker_engine import DockerEngine

        return DockerEngine()

    def load_profile(self, name: str) -> LoadedProfile:
        """Load a profile and teach the masker its secrets before anything prints."""
        from meshtui.config.loader import load_profile

        loaded = load_profile(name)
        self.masker.add(loaded.secret_values)
        return loaded

    def close(self) -> None:
        if "kube" in self.__dict__:
            self.kube.close()
        if "docker" in self.__dict__:
            self.docker.close()
