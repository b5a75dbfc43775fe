"""The provisioning façade the CLI and the Setup panel share: plan, up, down, dashboards."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from meshtui.domain.errors import MeshtuiError
from meshtui.domain.secrets import Masker
from meshtui.services import state
from meshtui.services.provision import ownership
from meshtui.services.provision.journal import Journal
from meshtui.services.provision.plan import build_plan, dry_run_lines, workdir_for
from meshtui.services.provision.providers import Provider, SimProvider, provider_for
from meshtui.services.provision.runner import Runner, RunResult
from meshtui.services.provision.steps import ProvisionEvent, StepContext

if TYPE_CHECKING:
    from meshtui.adapters.docker_engine import DockerEngine
    from meshtui.adapters.kube import KubeClient
    from meshtui.config.loader import LoadedProfile
    from meshtui.domain.cluster import ContextInfo
    from meshtui.services.state import ContainerRecord


@dataclass
class Provisioner:
    """`up` and `down` for one profile."""

    loaded: LoadedProfile
    masker: Masker
    docker: DockerEngine
    kubeconfig: str | None = None
    allow_remote: bool = False
    """Let `up` write to a cluster the safety guard does not consider local (`--allow-remote`)."""

    @cached_property
    def provider(self) -> Provider:
        return provider_for(self.loaded.profile, workdir_for(self.loaded))

    @cached_property
    def journal(self) -> Journal:
        """Read once per Provisioner; `journal.notice` says when an unreadable one was moved aside."""
        return Journal.for_profile(self.loaded.name)

    def _notice(self, emit: Callable[[ProvisionEvent], None]) -> None:
        if self.journal.notice:
            emit(ProvisionEvent("notice", "journal", self.masker.mask(self.journal.notice)
                                + "; going by what the machine shows instead"))

    def _kube_factory(self, provider: Provider) -> Callable[[], KubeClient]:
        def connect() -> KubeClient:
            """A client for the provider's context, after the safety guard has judged it (no request before)."""
            from meshtui.adapters.kube import KubeClient
            from meshtui.services.guard import Guard

            kube = KubeClient.connect(self.tool_kubeconfig(), provider.context)
            try:
                Guard.for_client(kube, allow_remote=self.allow_remote).check(
                    f"meshtui up -p {self.loaded.name} writing to context {provider.context!r}")
            except MeshtuiError:
                kube.close()
                raise
            return kube

        return connect

    def _context_info(self, provider: Provider) -> Callable[[], ContextInfo]:
        def read() -> ContextInfo:
            from meshtui.adapters.kube import resolve_context

            return resolve_context(self.tool_kubeconfig(), provider.context)

        return read

    def tool_kubeconfig(self) -> str:
        """The kubeconfig file list the guard judges and every tool gets as `KUBECONFIG` (kubectl, istioctl,
        kind and minikube write and read the very files meshtui reads, never `~/.kube/config` behind its back)."""
        from meshtui.adapters.kubeconfig import default_kubeconfig

        spec = self.provider.kubeconfig() or self.kubeconfig or default_kubeconfig()
        return os.pathsep.join(os.path.abspath(os.path.expanduser(p)) for p in spec.split(os.pathsep) if p)

    def _context(self, emit: Callable[[ProvisionEvent], None], cancel: threading.Event | None) -> StepContext:
        provider = self.provider
        return StepContext(self.loaded, self.journal, emit, self.masker, cancel or threading.Event(),
                           kube_factory=self._kube_factory(provider), docker=self.docker, workdir=provider.workdir,
                           context_info=self._context_info(provider), kubeconfig=self.tool_kubeconfig())

    @staticmethod
    def preload() -> None:
        """Import the HTTP stacks now, in the calling (main) thread, before `up`/`down` start their threads."""
        from meshtui.adapters import imports

        imports.preload()

    def dry_run(self) -> list[str]:
        return [self.masker.mask(line) for line in dry_run_lines(self.loaded, build_plan(self.loaded, self.provider))]

    def run_lock(self, verb: str) -> AbstractContextManager[None]:
        """One `up` or `down` per profile at a time (state.Busy names the other run's pid, exit 1)."""
        path = self.journal.path.with_name(self.journal.path.stem + ".lock")
        return state.run_lock(path, f"meshtui {verb} -p {self.loaded.name}")

    def up(self, emit: Callable[[ProvisionEvent], None], cancel: threading.Event | None = None) -> RunResult:
        with self.run_lock("up"):
            ctx = self._context(emit, cancel)
            self._notice(emit)
            try:
                return Runner(build_plan(self.loaded, self.provider), ctx).run()
            finally:
                ctx.reset_kube()

    def created(self) -> dict[str, object]:
        return self.journal.created.model_dump(exclude_none=True)

    def _cluster_to_remove(self) -> str | None:
        """Why `down` removes the cluster: the journal's record, the created-clusters record, or a live sim."""
        provider = self.provider
        if self.journal.created.cluster:
            return "recorded in the journal"
        if isinstance(provider, SimProvider) and provider.running(journal=self.journal) is not None:
            return "its simulator process is running"
        if provider.context in state.created_for_profile(self.loaded.name):
            return "meshtui's record of the clusters it created"
        return None

    def down_plan(self) -> list[str]:
        """What `down` removes (only what meshtui created, from the journal or its other records)."""
        journal, provider = self.journal, self.provider
        lines = [f"note: {self.masker.mask(journal.notice)}"] if journal.notice else []
        if self._cluster_to_remove() is not None:
            lines += provider.describe_delete()
            if provider.name in ("kind", "minikube"):
                lines.append("  (only while its node containers are the ones meshtui created)")
        if journal.created.registry:
            recorded = journal.created.registry_container
            lines.append(f"$ docker rm -f {recorded.id[:12] if recorded else journal.created.registry}   (container "
                         f"{journal.created.registry}, only while it is the one meshtui created)")
        if journal.path.exists():
            lines.append(f"remove the journal {journal.path}")
        return lines

    def down(self, emit: Callable[[ProvisionEvent], None], cancel: threading.Event | None = None) -> RunResult:
        with self.run_lock("down"):
            return self._down(emit, cancel)

    def _recorded_nodes(self) -> list[ContainerRecord] | None:
        """The cluster's node containers as `up` recorded them (the journal's, else meshtui's created record)."""
        if self.journal.created.cluster:
            return self.journal.created.nodes
        record = state.created_record(self.loaded.name, self.provider.context)
        return record.nodes if record is not None else None

    def _down_cluster(self, ctx: StepContext, why: str, result: RunResult) -> None:
        provider, journal = self.provider, ctx.journal
        verdict = ownership.cluster(self.docker, provider, self._recorded_nodes())
        if verdict.remove:
            ctx.emit(ProvisionEvent("started", "cluster", f"delete the {provider.name} cluster ({why}"
                                    + (f"; {verdict.reason})" if verdict.reason else ")")))
            provider.delete(ctx, "cluster")
        if verdict.remove or verdict.gone:
            state.forget_created(provider.context)
        journal.forget("cluster", "context", "nodes", "sim")
        if verdict.remove:
            result.ran.append("cluster")
            ctx.emit(ProvisionEvent("done", "cluster", "deleted"))
        else:
            result.skipped.append("cluster")
            ctx.emit(ProvisionEvent("skipped", "cluster", self.masker.mask(verdict.reason)))

    def _unrecorded_cluster(self, ctx: StepContext, result: RunResult) -> None:
        """A kind/minikube cluster of the profile's name that meshtui has no record of making (someone else's,
        or an `up` that failed or was cancelled before it could record it): left, and said so."""
        provider = self.provider
        if provider.name not in ("kind", "minikube"):
            return
        try:
            present = provider.exists(ctx)
        except MeshtuiError:  # the tool is missing or failed: nothing to say about a cluster it cannot see
            return
        if present:
            result.skipped.append("cluster")
            remove = " ".join(line.removeprefix("$ ") for line in provider.describe_delete())
            ctx.emit(ProvisionEvent("skipped", "cluster", self.masker.mask(
                f"left the {provider.name} cluster {self.loaded.profile.cluster.name}: meshtui has no record of creating "
                f"it (someone else's, or an `up` that stopped before recording it); `{remove}` removes it")))

    def _down_registry(self, ctx: StepContext, result: RunResult) -> None:
        from meshtui.adapters import docker_images

        created = ctx.journal.created
        name, recorded = created.registry or "", created.registry_container
        verdict = ownership.registry(self.docker, name, recorded)
        if verdict.remove and recorded is not None:
            ctx.emit(ProvisionEvent("started", "registry", f"remove container {name}"))
            docker_images.remove_container(self.docker, recorded.id)  # by ID: never a same-named newcomer
            result.ran.append("registry")
            ctx.emit(ProvisionEvent("done", "registry", "removed"))
        else:
            result.skipped.append("registry")
            ctx.emit(ProvisionEvent("skipped", "registry", self.masker.mask(verdict.reason)))
        ctx.journal.forget("registry", "registry_container")

    def _down(self, emit: Callable[[ProvisionEvent], None], cancel: threading.Event | None) -> RunResult:
        ctx = self._context(emit, cancel)
        self._notice(emit)
        journal, result = ctx.journal, RunResult(ok=True)
        try:
            why = self._cluster_to_remove()
            if why is not None:
                self._down_cluster(ctx, why, result)
            else:
                self._unrecorded_cluster(ctx, result)
            if journal.created.registry:
                self._down_registry(ctx, result)
            journal.remove()
        except MeshtuiError as exc:
            result.ok, result.error, result.hint = False, self.masker.mask(exc.message), exc.hint
            emit(ProvisionEvent("failed", "down", result.error, hint=exc.hint))
        emit(ProvisionEvent("finished", "", "ok" if result.ok else result.error))
        return result
