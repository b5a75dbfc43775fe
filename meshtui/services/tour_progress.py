"""A tour's saved progress, per cluster: `$XDG_STATE_HOME/meshtui/tours/<tour>.json`.

For each cluster the file keeps the current step and the baseline (the routes of every
host the tour may change, as they were when it started there), which the tour's reset
writes back. So it is filed under the cluster's identity, the key the undo history uses
(`services.routes.identity`: the kube-system namespace's UID, else server + CA), never
under the context name: every simulated cluster is `meshtui-sim`, and one cluster's
baseline restored on another would write its routes there. Another cluster's progress
is never read for this one, and saving or resetting this one leaves the others'.

The file has a version and a pydantic model and is read through `services.state`
(`read_model`): one that is not JSON, has a wrong type, is nested deeper than meshtui
writes (`state_files`), or is the unversioned kind older meshtui kept by context name,
is moved to `<tour>.json.corrupt-<time>` with one notice naming both paths; one from a
newer meshtui is left alone and refused (exit 2). Read-modify-write holds a lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from meshtui.config import paths
from meshtui.domain.errors import MeshtuiError
from meshtui.services.state import StateModel, locked, read_model, write_model
from meshtui.services.state_files import MAX_DEPTH, too_deep

VERSION: Literal[1] = 1


class HostBaseline(StateModel):
    """One host's routes when the tour started on this cluster."""

    vs: dict[str, Any] | None
    dr: dict[str, Any] | None
    vs_existed: StrictBool
    dr_existed: StrictBool
    touched_before: StrictBool
    """meshtui had changed the host before the tour: reset restores these specs (else it resets the host)."""


HostKey = Annotated[str, Field(pattern=r"^[^/]+/[^/]+$")]
"""`namespace/host`."""


class ClusterProgress(StateModel):
    label: str = ""
    """For humans reading the file: context name and server."""
    step: str
    finished: StrictBool = False
    baseline: dict[HostKey, HostBaseline] = Field(default_factory=dict)


class ProgressFile(StateModel):
    version: Literal[1]
    clusters: dict[str, ClusterProgress] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _meshtuis(cls, data: Any) -> Any:
        if too_deep(data):
            raise ValueError(f"nested deeper than meshtui ever writes ({MAX_DEPTH} levels)")
        if isinstance(data, dict) and "version" not in data and "context" in data:
            raise ValueError("written by an older meshtui, by context name, which two clusters can share")
        return data


class ProgressUnavailable(MeshtuiError):
    """The progress file cannot be read or written (a directory in its place, no permission)."""


def _said(notice: str | None) -> list[str]:
    return [f"tour progress: {notice}; the tour starts again from its first step"] if notice else []


def progress_path(tour: str) -> Path:
    return paths.state_dir() / "tours" / f"{tour}.json"


def _unavailable(path: Path, exc: OSError) -> ProgressUnavailable:
    return ProgressUnavailable(f"the tour's progress {path} cannot be used: {exc.filename or path}: "
                               f"{exc.strerror or exc}", hint="fix or remove that path (the state directory is "
                               "$XDG_STATE_HOME/meshtui)")


def load(tour: str, cluster: str) -> tuple[ClusterProgress | None, list[str]]:
    """This cluster's saved progress (None: none), and notices (a damaged file moved aside)."""
    path = progress_path(tour)
    try:
        with locked(path):
            data, notice = read_model(path, ProgressFile, VERSION)
    except OSError as exc:
        raise _unavailable(path, exc) from None
    return (data.clusters.get(cluster) if data else None), _said(notice)


def check(tour: str) -> list[str]:
    """Read the file once (`meshtui tour`, before the TUI opens): notices, or the refusal of a newer file."""
    return load(tour, "")[1]


def save(tour: str, cluster: str, progress: ClusterProgress | None) -> list[str]:
    """Record this cluster's progress (None: forget it), keeping every other cluster's; returns notices."""
    path = progress_path(tour)
    try:
        with locked(path):
            data, notice = read_model(path, ProgressFile, VERSION)
            clusters = dict(data.clusters) if data else {}
            if progress is None:
                clusters.pop(cluster, None)
            else:
                clusters[cluster] = progress
            if clusters:
                write_model(path, ProgressFile(version=VERSION, clusters=clusters))
            else:
                path.unlink(missing_ok=True)
    except OSError as exc:
        raise _unavailable(path, exc) from None
    return _said(notice)
