"""The composition root: builds adapters and services from settings (implements `WiringPort`).

The CLI, the TUI and the tests all build meshtui through `Wiring`, so a test that
points `kubeconfig` at the simulated cluster exercises exactly the production
objects. Everything is created on first use: a command pays only for what it touches.

There is one way to a cluster: `_open_session()` connects the API client, builds the
safety guard (`_guard`, the only place one is made) and the services on top of them.
The CLI uses one such session for the whole command (`kube`, `guard`, `cluster`,
`routes` are its parts); the TUI opens a fresh, verified one per connect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from meshtui.config import paths
from meshtui.domain.secrets import Masker

if TYPE_CHECKING:
    from collections.abc import Callable

    from meshtui.adapters.docker_engine import DockerEngine
    from meshtui.adapters.kube import KubeClient
    from meshtui.config.loader import LoadedProfile
    from meshtui.domain.checks import Check
    from meshtui.domain.cluster import ContextInfo
    from meshtui.services.cluster import ClusterService
    from meshtui.services.guard import Guard
    from meshtui.services.provision.service import Provisioner
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
    state_dir: Path = field(default_factory=paths.state_dir)
    """Where the undo history lives, decided once when meshtui starts: a worker thread that runs
    late (after a test restored its environment, say) must not pick another directory."""

    # -- the one way to a cluster --------------------------------------------------------
    def _connect(self) -> KubeClient:
        """The API client for the selected context (raises ClusterUnreachable; UsageError for an unknown --context)."""
        from meshtui.adapters.kube import KubeClient
        from meshtui.domain.errors import ClusterUnreachable

        try:
            return KubeClient.connect(self.kubeconfig, self.context)
        except ClusterUnreachable:
            self.check_context()
            raise

    def check_context(self) -> None:
        """Raise UsageError (exit 2) when `--context` names a context the kubeconfig does not have.

        Reads the kubeconfig only. A kubeconfig that is missing or unreadable is not this error:
        that is the cluster being unreachable, reported when connecting.
        """
        from meshtui.adapters.kube import load_contexts
        from meshtui.domain.errors import ClusterUnreachable, UsageError

        if not self.context:
            return
        try:
            names = [c.name for c in load_contexts(self.kubeconfig)[0]]
        except ClusterUnreachable:
            return
        if self.context not in names:
            import difflib

            close = difflib.get_close_matches(self.context, names, n=1)
            raise UsageError(f"no context {self.context!r} in the kubeconfig",
                             hint=f"did you mean {close[0]!r}?" if close else f"contexts: {', '.join(names) or 'none'}")

    def _guard(self, kube: KubeClient) -> Guard:
        """The safety guard for a client: what counts as local (kubeconfig + resolver only), and the user's flags."""
        from meshtui.services.guard import Guard

        return Guard.for_client(kube, allow_remote=self.allow_remote, read_only=self.read_only)

    def _open_session(self, *, verify: bool) -> Session:
        """Connect and build the services on the connection; `verify` asks the server once first."""
        from meshtui.services.session import Session

        kube = self._connect()
        try:
            guard = self._guard(kube)  # judged before any request reaches the server
            if verify:
                kube.version()
        except BaseException:
            kube.close()
            raise
        return Session(kube, guard, self._cluster_service, self._route_service, self._usage_service,
                       kubeconfig=self.kubeconfig)

    @staticmethod
    def _cluster_service(kube: KubeClient, guard: Guard) -> ClusterService:
        from meshtui.services.cluster import ClusterService

        return ClusterService(kube, guard)

    def _route_service(self, kube: KubeClient, guard: Guard) -> RouteService:
        from meshtui.services.routes import RouteService
        from meshtui.services.undo import UndoStore

        return RouteService(kube, guard, UndoStore(path=self.state_dir / "undo.json"))

    @staticmethod
    def _usage_service(kube: KubeClient | None, guard: Guard | None, kind_cluster: str | None = None) -> UsageService:
        from meshtui.adapters.docker_engine import DockerEngine
        from meshtui.services.usage import UsageService, cluster_containers

        cluster, provider = cluster_containers(kube.context.name, guard.locality.provider) \
            if kube is not None and guard is not None else (None, "")
        if kind_cluster:
            cluster, provider = kind_cluster, "kind"
        return UsageService(kube, DockerEngine(timeout=5), cluster=cluster, provider=provider)

    # -- the CLI's session and its parts -------------------------------------------------
    @cached_property
    def _cli(self) -> Session:
        return self._open_session(verify=False)

    @property
    def kube(self) -> KubeClient:
        """The API client for the selected context (raises ClusterUnreachable)."""
        return self._cli.kube

    @property
    def guard(self) -> Guard:
        return self._cli.guard

    @property
    def cluster(self) -> ClusterService:
        return self._cli.cluster

    @property
    def routes(self) -> RouteService:
        return self._cli.routes

    @cached_property
    def docker(self) -> DockerEngine:
        from meshtui.adapters.docker_engine import DockerEngine

        return DockerEngine()

    def usage(self, kind_cluster: str | None = None) -> UsageService:
        """Usage for the current context (host level even without a cluster)."""
        from meshtui.domain.errors import ClusterUnreachable

        try:
            session = self._cli
        except ClusterUnreachable:
            return self._usage_service(None, None, kind_cluster)
        return self._usage_service(session.kube, session.guard, kind_cluster)

    # -- the TUI ---------------------------------------------------------------------------
    def preload_steps(self) -> list[Callable[[], None]]:
        """The heavy imports (HTTP stack, kubernetes client, docker SDK) still to do, one module per step.

        The TUI runs them in its main thread, one step per loop turn after the first frame, before it starts
        the worker that connects: threads must never import that stack side by side (see `adapters.imports`).
        """
        from meshtui.adapters import imports

        return [partial(imports.ensure, name) for name in imports.pending()]

    def session(self) -> Session:
        """A fresh, verified session for the TUI (raises ClusterUnreachable)."""
        return self._open_session(verify=True)

    def start_demo(self, **options: object) -> SimCluster:
        """Start the simulated cluster in this process (once) and point this wiring at it."""
        from meshtui.config import paths
        from meshtui.domain.cluster import SIM_CONTEXT
        from meshtui.sim import SimCluster, SimOptions

        if self.demo is not None and self.demo.kubeconfig is not None:  # already running: go back to it
            self.use_cluster(str(self.demo.kubeconfig), SIM_CONTEXT)
            return self.demo
        kubeconfig = paths.state_dir() / "sim" / f"kubeconfig-{os.getpid()}"
        sim = SimCluster(SimOptions(**options), kubeconfig=kubeconfig).start()  # type: ignore[arg-type]
        self.demo = sim
        self.use_cluster(str(kubeconfig), SIM_CONTEXT)
        return sim

    def is_demo(self, context: ContextInfo) -> bool:
        """Whether `context` is the demo cluster this process started (not just any `meshtui-sim`)."""
        demo = self.demo
        return demo is not None and demo.url.rstrip("/") == context.server.rstrip("/")

    def use_cluster(self, kubeconfig: str | None, context: str) -> None:
        """Point this wiring at another cluster (after `up` created it); the next session uses it."""
        self.kubeconfig, self.context = kubeconfig or self.kubeconfig, context
        cli = self.__dict__.pop("_cli", None)
        if cli is not None:
            cli.close()

    # -- profiles, doctor, provisioning --------------------------------------------------
    def profiles(self) -> list[str]:
        """Names of the profiles found (user's directory first)."""
        from meshtui.config.loader import discover_profiles

        return sorted(discover_profiles())

    def provisioner(self, profile: str) -> Provisioner:
        """`up`/`down` for a profile (the Setup panel and the CLI)."""
        from meshtui.services.provision.service import Provisioner

        return Provisioner(self.load_profile(profile), self.masker, self.docker, self.kubeconfig)

    def plan_up(self, profile: str) -> list[tuple[str, str]]:
        """(id, title) of every step `up -p profile` runs, in order (reads the profile and its manifests)."""
        from meshtui.services.provision.plan import build_plan

        provisioner = self.provisioner(profile)
        return [(step.id, step.title) for step in build_plan(provisioner.loaded, provisioner.provider)]

    def plan_down(self, profile: str) -> list[str]:
        """What `down -p profile` removes (only what `up` recorded as created)."""
        return self.provisioner(profile).down_plan()

    def doctor(self, profile: str | None) -> list[Check]:
        """Run the doctor for a profile (the Setup panel)."""
        from meshtui.services.doctor import DoctorOptions, run_doctor

        loaded = self.load_profile(profile) if profile else None
        return run_doctor(DoctorOptions(loaded, self.kubeconfig, self.context), self.docker)

    def load_profile(self, name: str) -> LoadedProfile:
        """Load a profile and teach the masker its secrets before anything prints."""
        from meshtui.config.loader import load_profile

        loaded = load_profile(name)
        self.masker.add(loaded.secret_values)
        return loaded

    def close(self) -> None:
        cli = self.__dict__.pop("_cli", None)
        if cli is not None:
            cli.close()
        if "docker" in self.__dict__:
            self.docker.close()
        demo = self.__dict__.get("demo")
        if demo is not None:
            demo.stop()
            if demo.kubeconfig is not None:
                demo.kubeconfig.unlink(missing_ok=True)
