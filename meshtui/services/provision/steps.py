"""Steps, their context and the events a run reports.

A `Step` knows how to check whether it is already done (`check`), how to do it
(`run`), and how to describe itself for `--dry-run` (`describe`: the commands and
manifests, in order). Steps report through `StepContext.say` / `StepContext.command`,
which become `ProvisionEvent`s for the CLI and the Setup panel; secrets are masked
before any text leaves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meshtui.adapters import process
from meshtui.domain.errors import MeshtuiError
from meshtui.domain.secrets import Masker

if TYPE_CHECKING:
    from meshtui.adapters.kube import KubeClient
    from meshtui.config.loader import LoadedProfile
    from meshtui.domain.cluster import ContextInfo
    from meshtui.services.provision.journal import Journal


class StepFailed(MeshtuiError):
    """A step could not finish; the message says why, the hint what to do."""


@dataclass(frozen=True)
class ProvisionEvent:
    """Something that happened during a run (posted from worker threads)."""

    kind: str  # planned | started | output | skipped | done | failed | cancelled | finished
    step: str = ""
    text: str = ""
    elapsed: float = 0.0
    hint: str | None = None


@dataclass
class StepContext:
    """What a step may use: the profile, the cluster client, output, cancellation."""

    loaded: LoadedProfile
    journal: Journal
    emit: Callable[[ProvisionEvent], None]
    masker: Masker
    cancel: threading.Event = field(default_factory=threading.Event)
    kube_factory: Callable[[], KubeClient] | None = None
    """Connects to the provisioned cluster; refuses (GuardRefused) a context the safety guard deems remote."""
    docker: Any = None
    workdir: Any = None
    context_info: Callable[[], ContextInfo] | None = None
    """The provisioned context as the kubeconfig describes it (no connection, no guard)."""
    _kube: KubeClient | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def profile(self) -> Any:
        return self.loaded.profile

    @property
    def kube(self) -> KubeClient:
        """A client for the provisioned cluster, connected on first use (after the cluster step)."""
        with self._lock:
            if self._kube is None:
                if self.kube_factory is None:
                    raise StepFailed("no cluster connection available")
                self._kube = self.kube_factory()
            return self._kube

    def reset_kube(self) -> None:
        with self._lock:
            if self._kube is not None:
                self._kube.close()
            self._kube = None

    def say(self, step: str, text: str) -> None:
        self.emit(ProvisionEvent("output", step, self.masker.mask(text)))

    def command(self, step: str, argv: list[str], *, timeout: float, check: bool = True,
                env: dict[str, str] | None = None, ok_codes: tuple[int, ...] = (0,)) -> process.ProcessResult:
        """Run a tool, streaming its output lines into the step's log."""
        self.say(step, "$ " + " ".join(argv))
        result = process.stream(argv, timeout=timeout, cancel=self.cancel, env=env,
                                on_line=lambda _name, line: self.say(step, line) if line.strip() else None)
        if check and result.returncode not in ok_codes:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            raise StepFailed(f"{argv[0]} exited {result.returncode}: {self.masker.mask(tail[0])}")
        return result


@dataclass
class Step:
    """One idempotent unit of `up`."""

    id: str
    title: str
    run: Callable[[StepContext], str | None]
    check: Callable[[StepContext], bool] | None = None
    describe: Callable[[], list[str]] = lambda: []
    needs: tuple[str, ...] = ()
    hint: str | None = None
    """What to do when the step fails (shown with the error)."""
    check_confirms_only: bool = False
    """The check only confirms the journal's "done" (the step is re-run when the journal does not list it,
    e.g. manifests: applying again converges a changed profile, while "the objects exist" does not)."""
