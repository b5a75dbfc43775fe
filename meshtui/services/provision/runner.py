"""Run a plan as a dependency graph: parallel where it can, resumable, cancellable.

A step starts once every step it needs has finished. A step with a check is skipped
only when the check says its work is there now (the journal alone is never enough: a
cluster that died takes its deployments with it). A step without a check (preflight,
image builds, the ingress probe) is skipped when the journal says it finished and
nothing it builds on has been redone since: whenever a step runs, the journal forgets
every step that depends on it, directly or not, so a recreated cluster gets its
manifests and routes again. The first failure stops new steps from starting; running
ones finish. Cancellation sets the shared event, which kills the running tools' process
groups.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from dataclasses import dataclass, field

from meshtui.adapters import imports
from meshtui.adapters.process import ProcessCancelled
from meshtui.domain.errors import GuardRefused, MeshtuiError
from meshtui.services.provision.steps import ProvisionEvent, Step, StepContext, StepFailed

MAX_PARALLEL = 4


@dataclass
class RunResult:
    """How a run ended."""

    ok: bool
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: str | None = None
    error: str = ""
    hint: str | None = None
    cancelled: bool = False
    refused: bool = False
    """A step was refused by the safety guard (the CLI exits 3)."""


class Runner:
    """Executes steps for one profile."""

    def __init__(self, steps: list[Step], ctx: StepContext) -> None:
        ids = {s.id for s in steps}
        for step in steps:
            missing = [n for n in step.needs if n not in ids]
            if missing:
                raise ValueError(f"step {step.id} needs unknown steps {missing}")
        self.steps = steps
        self.ctx = ctx

    def _dependents(self, step_id: str) -> list[str]:
        """Every step that needs `step_id`, directly or through others."""
        found: list[str] = []
        frontier = [step_id]
        while frontier:
            current = frontier.pop()
            for step in self.steps:
                if current in step.needs and step.id not in found:
                    found.append(step.id)
                    frontier.append(step.id)
        return found

    def _already_done(self, step: Step) -> str | None:
        journal = self.ctx.journal
        if step.check is None:
            return "done in an earlier run" if journal.done(step.id) else None
        if step.check_confirms_only and not journal.done(step.id):
            return None
        try:
            holds = step.check(self.ctx)
        except Exception:  # the check could not tell (cluster gone, API error): do the work
            holds = False
        if not holds:
            return None
        return "done in an earlier run" if journal.done(step.id) else "already in place"

    def _execute(self, step: Step) -> tuple[str, str]:
        """('ran'|'skipped', detail); raises on failure."""
        if self.ctx.cancel.is_set():
            raise ProcessCancelled("cancelled")
        reason = self._already_done(step)
        if reason:
            if not self.ctx.journal.done(step.id):
                self.ctx.journal.finished(step.id, reason)
            return "skipped", reason
        self.ctx.journal.invalidate([step.id, *self._dependents(step.id)])
        self.ctx.emit(ProvisionEvent("started", step.id, step.title))
        detail = step.run(self.ctx) or ""
        self.ctx.journal.finished(step.id, detail)
        return "ran", detail

    def run(self) -> RunResult:
        emit, result = self.ctx.emit, RunResult(ok=True)
        pending = {s.id: s for s in self.steps}
        finished: set[str] = set()
        started: dict[cf.Future, tuple[Step, float]] = {}
        for step in self.steps:
            emit(ProvisionEvent("planned", step.id, step.title))
        imports.preload()  # before the pool: steps must not import the HTTP stack side by side
        with cf.ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="meshtui-up") as pool:
            while pending or started:
                if result.ok and not self.ctx.cancel.is_set():
                    for step in [s for s in pending.values() if all(n in finished for n in s.needs)]:
                        del pending[step.id]
                        started[pool.submit(self._execute, step)] = (step, time.monotonic())
                if not started:
                    break
                done, _ = cf.wait(list(started), timeout=0.2, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    step, began = started.pop(future)
                    elapsed = time.monotonic() - began
                    try:
                        outcome, detail = future.result()
                    except ProcessCancelled:
                        result.ok, result.cancelled = False, True
                        emit(ProvisionEvent("cancelled", step.id, "cancelled", elapsed))
                        continue
                    except (StepFailed, MeshtuiError) as exc:
                        result.refused = result.refused or (result.ok and isinstance(exc, GuardRefused))
                        self._fail(result, step, exc.message, exc.hint or step.hint, elapsed)
                        continue
                    except Exception as exc:  # a bug or an unexpected API answer: report, never trace back
                        self._fail(result, step, f"{type(exc).__name__}: {exc}", step.hint, elapsed)
                        continue
                    finished.add(step.id)
                    (result.ran if outcome == "ran" else result.skipped).append(step.id)
                    emit(ProvisionEvent("done" if outcome == "ran" else "skipped", step.id, detail, elapsed))
                if self.ctx.cancel.is_set() and not started:
                    result.ok, result.cancelled = False, True
                    break
        emit(ProvisionEvent("finished", "", "ok" if result.ok else (result.error or "cancelled")))
        return result

    def _fail(self, result: RunResult, step: Step, message: str, hint: str | None, elapsed: float) -> None:
        message = self.ctx.masker.mask(message)
        self.ctx.journal.failed(step.id, message)
        if result.ok:
            result.ok, result.failed, result.error, result.hint = False, step.id, message, hint
        self.ctx.emit(ProvisionEvent("failed", step.id, message, elapsed, hint))
