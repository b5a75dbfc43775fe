"""The composition root: builds adapters and services from settings.

The CLI, the TUI and the tests all build meshtui through `Wiring`, so a test that
points `kubeconfig` at the simulated cluster exercises exactly the production
objects. Everything is created on first use: a command pays only for what it touches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from meshtui.domain.secrets import Masker

if TYPE_CHECKING:
    from meshtui.adapters.docker_engine import DockerEngine
    from meshtui.adapters.kube import KubeClient
    from meshtui.config.loader import LoadedProfile
    from meshtui.services.cluster import ClusterService
    from meshtui.services.guard import Guard
    from meshtui.services.routes import RouteService
    from meshtui.services.session import Session
    from meshtui.services.usage import UsageService
    from meshtui.sim import SimCluster


@dataclass
class Wiring:
    """Settings plus lazily built adapters and services."""

    kubeconfig: str | None = None
    context: str | None = None
    allow_remote: bool = False
    read_only: bool = False
    masker: Masker = field(default_factory=Masker)
    demo: SimCluster | None = None

    @cached_property
    def kube(self) -> KubeClient:
        """The API client for the selected context (raises ClusterUnreachable)."""
        from meshtui.adapters.kube import KubeClient

        return KubeClient.connect(self.kubeconfig, self.context)

    @cached_property
    def guard(self) -> Guard:
        """The safety guard for the selected context (what counts as local, and the flags)."""
        from meshtui.services.guard import Guard

        return Guard.for_client(self.kube, allow_remote=self.allow_remote, read_only=self.read_only)

    @cached_property
    def cluster(self) -> ClusterService:
        from meshtui.services.cluster import ClusterService

        return ClusterService(self.kube, self.guard)

    @cached_property
    def routes(self) -> RouteService:
        from meshtui.services.routes import RouteService

        return RouteService(self.kube, self.guard)

    @cached_property
    def docker(self) -> DockerEngine:
        from meshtui.adapters.docker_engine import DockerEngine

        return DockerEngine()

    def session(self) -> Session:
        """A fresh session for the TUI (raises ClusterUnreachable)."""
        from meshtui.adapters.kube import KubeClient
        from meshtui.services.guard import Guard
        from meshtui.services.session import Session

        kube = KubeClient.connect(self.kubeconfig, self.context)
        try:
            kube.version()
        except Exception:
            kube.close()
            raise
        guard = Guard.for_client(kube, allow_remote=self.allow_remote, read_only=self.read_only)
        return Session.create(kube, guard)

    def start_demo(self, **options: object) -> SimCluster:
        """Start the simulated cluster in this process and point this wiring at it."""
        from meshtui.config import paths
        from meshtui.domain.cluster import SIM_CONTEXT
        from meshtui.sim import SimCluster, SimOptions

        kubeconfig = paths.state_dir() / "sim" / f"kubeconfig-{os.getpid()}"
        sim = SimCluster(SimOptions(**options), kubeconfig=kubeconfig).start()  # type: ignore[arg-type]
        self.demo = sim
        self.use_cluster(str(kubeconfig), SIM_CONTEXT)
        return sim

    def use_cluster(self, kubeconfig: str | None, context: str) -> None:
        """Point this wiring at another cluster (after `up` created it); the next session uses it."""
        self.kubeconfig, self.context = kubeconfig or self.kubeconfig, context
        for name in ("kube", "guard", "cluster", "routes"):
            if name == "kube" and "kube" in self.__dict__:
                self.kube.close()
            self.__dict__.pop(name, None)

    def provisioner(self, profile: str):  # type: ignore[no-untyped-def]
        """`up`/`down` for a profile (the Setup panel and the CLI)."""
        from meshtui.services.provision.service import Provisioner

        return Provisioner(self.load_profile(profile), self.masker, self.docker, self.kubeconfig)

    def doctor(self, profile: str | None) -> list:  # type: ignore[type-arg]
        """Run the doctor for a profile (the Setup panel)."""
        from meshtui.services.doctor import DoctorOptions, run_doctor

        loaded = self.load_profile(profile) if profile else None
        return run_doctor(DoctorOptions(loaded, self.kubeconfig, self.context), self.docker)

    def usage(self, kind_cluster: str | None = None) -> UsageService:
        """Usage for the current context (host level even without a cluster)."""
        from meshtui.adapters.docker_engine import DockerEngine
        from meshtui.domain.errors import ClusterUnreachable
        from meshtui.services.usage import UsageService, cluster_containers

        try:
            kube = self.kube
            cluster, provider = cluster_containers(kube.context.name, self.guard.locality.provider)
        except ClusterUnreachable:
            kube, cluster, provider = None, None, ""
        if kind_cluster:
            cluster, provider = kind_cluster, "kind"
        return UsageService(kube, DockerEngine(timeout=5), cluster=cluster, provider=provider)

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
        demo = self.__dict__.get("demo")
        if demo is not None:
            demo.stop()
            if demo.kubeconfig is not None:
                demo.kubeconfig.unlink(missing_ok=True)
