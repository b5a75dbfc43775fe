"""Guided tours: the YAML format (`assets/tours/*.yaml`, plus the user's config dir) and its loader.

A tour is an ordered list of steps; each names the panel it concerns, a live
completion condition meshtui evaluates (`done_when`, exactly one kind), a hint and an
optional `show_me` action that performs the step. One pydantic model validates every
file, with the same file:line errors and did-you-mean hints as profiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from meshtui.config import paths
from meshtui.domain.errors import ProfileError
from meshtui.domain.text import inert

PanelName = Literal["overview", "logs", "resources", "traffic", "setup"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class _OneOf(_Model):
    """A mapping where exactly one key is set (a condition or an action)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> _OneOf:
        chosen = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError(f"set exactly one key, found {len(chosen)}: "
                             + (", ".join(chosen) or "none; choose from " + ", ".join(type(self).model_fields)))
        return self

    @property
    def kind(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, self.kind)


class HostRef(_Model):
    """A service host and the namespace of its routes."""

    host: str
    """Service host, e.g. `catalog`."""
    namespace: str = "shop"
    """Namespace of the VirtualService / DestinationRule."""


class WeightCondition(HostRef):
    """A subset's weight in the host's catch-all rule."""

    subset: str
    """Subset (version) name, e.g. `v2`."""
    at_least: int = Field(ge=0, le=100)
    """The step is done when the weight is at or above this."""


class FaultCondition(HostRef):
    """A fault injected on the host's routes."""

    kind: Literal["delay", "abort", "any"] = "any"
    """Which fault must be active."""


class AppRef(_Model):
    """Pods of one app (the `app` label)."""

    app: str
    """Value of the pods' `app` label, e.g. `ratings`."""
    namespace: str = "shop"
    """Namespace of the pods."""


class Condition(_OneOf):
    """When a step counts as done; set exactly one key."""

    panel_shown: PanelName | None = None
    """The given panel is on screen."""
    pod_selected: AppRef | None = None
    """A pod of the app is selected in the Overview."""
    logs_showing: AppRef | None = None
    """The Logs panel shows lines from the app."""
    request_pivoted: bool | None = None
    """A request id was pivoted (`r` in the Logs panel)."""
    usage_shown: bool | None = None
    """The Resources panel shows usage."""
    route_weight: WeightCondition | None = None
    """A subset's weight is at or above a value."""
    fault_active: FaultCondition | None = None
    """A fault is injected on the host."""
    fault_cleared: HostRef | None = None
    """No fault is injected on the host any more."""
    breaker_active: HostRef | None = None
    """The host's DestinationRule has a circuit breaker."""
    ingress_ok: bool | None = None
    """GET /api/healthz through the ingress gateway answers 2xx/3xx."""
    calls_failing: HostRef | None = None
    """The Logs panel shows failed calls (5xx) to the host, as its callers' sidecars logged them."""
    host_shown: HostRef | None = None
    """The Traffic panel shows the host's routes."""
    plan_shown: str | None = None
    """The Setup panel lists the steps `meshtui up` runs for this profile."""


class FaultAction(HostRef):
    """Inject a fault."""

    delay: str | None = None
    """Fixed delay such as `2s`."""
    abort: int | None = Field(default=None, ge=200, le=599)
    """HTTP status to abort with, e.g. 503."""
    percent: float = Field(default=100.0, ge=0, le=100)
    """Share of requests affected."""


class WeightsAction(HostRef):
    """Set the weights of the catch-all rule."""

    weights: dict[str, int]
    """Subset -> weight; must sum to 100."""


class LogsQuery(_Model):
    """A query typed into the Logs panel's query bar."""

    query: str
    """The query, as typed after `e` (e.g. `catalog -c istio-proxy status=5xx`)."""
    namespace: str = "shop"
    """Namespace the query runs in."""


class ShowMe(_OneOf):
    """What `show me` does for a step; set exactly one key."""

    show_panel: PanelName | None = None
    """Switch to a panel."""
    select_pod: AppRef | None = None
    """Select a pod of the app in the Overview."""
    logs_for: AppRef | None = None
    """Tail the app's logs in the Logs panel."""
    pivot: AppRef | None = None
    """Tail the app's logs and pivot on the newest line with a request id."""
    set_weights: WeightsAction | None = None
    """Change a host's traffic split."""
    fault: FaultAction | None = None
    """Inject a delay and/or an abort."""
    clear_fault: HostRef | None = None
    """Remove injected faults."""
    breaker: HostRef | None = None
    """Add a circuit breaker to the host's DestinationRule."""
    logs_query: LogsQuery | None = None
    """Run a query in the Logs panel."""
    show_host: HostRef | None = None
    """Show a host's routes in the Traffic panel."""
    show_plan: str | None = None
    """Select a profile in the Setup panel and list the steps `up` would run."""


class TourStep(_Model):
    """One step of a tour."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Short id, unique in the tour (progress is saved by it)."""
    title: str
    """One line shown as the step heading."""
    panel: PanelName
    """The panel this step is about."""
    text: str
    """What to do and why, in a few sentences."""
    done_when: Condition
    """The live condition that completes the step."""
    hint: str = ""
    """Which keys to press when stuck."""
    show_me: ShowMe | None = None
    """An action that performs the step for the user."""


class Requires(_Model):
    """What the cluster must have for the tour."""

    namespace: str | None = None
    """A namespace that must exist (e.g. `shop`, the sample the tours use)."""


class Tour(_Model):
    """A guided tour."""

    title: str
    """Shown in `meshtui tour --list` and the drawer."""
    summary: str
    """One or two sentences on what the tour teaches."""
    requires: Requires = Requires()
    """What the cluster must have."""
    steps: list[TourStep] = Field(min_length=1)
    """The steps, in order."""

    @model_validator(mode="after")
    def _unique_ids(self) -> Tour:
        ids = [s.id for s in self.steps]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"step ids must be unique; repeated: {', '.join(duplicated)}")
        return self


@dataclass(frozen=True)
class LoadedTour:
    name: str
    path: Path
    tour: Tour


def load_tour_file(path: Path) -> LoadedTour:
    """Load and validate one tour; raises ProfileError with file and line."""
    from meshtui.config.loader import _describe, read_yaml
    from meshtui.config.safe_yaml import line_of as _line_of

    root, data = read_yaml(path, "meshtui tour --list shows the tours")
    if not isinstance(data, dict):
        raise ProfileError("a tour must be a mapping with title, summary and steps", path=str(path), line=1)
    try:
        tour = Tour.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        message, hint = _describe(first, Tour)
        raise ProfileError(inert(message), path=str(path), line=_line_of(root, loc),
                           field=".".join(str(p) for p in loc) or None, hint=hint) from None
    return LoadedTour(path.stem, path.resolve(), tour)


def tour_dirs() -> list[Path]:
    """User tours first (they override shipped ones of the same name), then the shipped ones."""
    return [paths.config_dir() / "tours", paths.assets_dir() / "tours"]


def discover_tours() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in reversed(tour_dirs()):
        if directory.is_dir():
            for file in sorted(directory.glob("*.yaml")):
                found[file.stem] = file
    return dict(sorted(found.items()))


def find_tour(name: str) -> LoadedTour:
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return load_tour_file(candidate)
    tours = discover_tours()
    if name not in tours:
        import difflib

        close = difflib.get_close_matches(name, list(tours), n=1)
        raise ProfileError(f"no tour named {name!r}", path=name,
                           hint=f"did you mean {close[0]!r}?" if close else "meshtui tour --list shows the tours")
    return load_tour_file(tours[name])
