"""The Traffic panel's forms: fields prefilled from the routes, values turned into edits.

Each form maps its values to an edit with the same `domain.routes.edits.parse_*`
functions the CLI uses for its flags, so a value the CLI rejects is rejected here with
the same words (shown under the field), and an accepted one becomes the same edit.
Fields start from what is in the draft (a breaker field that is not set is empty; on a
host with no breaker the defaults the CLI would fill in are shown as hints). Each form
records only the fields the user changed from that prefill, as the CLI records only the
flags given: when the draft is re-based on another writer's change, a value left as
shown takes that writer's value instead of putting the old one back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from meshtui.domain import routes as R
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput, Problem
from meshtui.domain.routes.operations import BREAKER_DEFAULTS
from meshtui.domain.routes.view import RoutesView
from meshtui.ui.screens.form import Field

WEIGHTED = "weighted rule"


@dataclass(frozen=True)
class FormSpec:
    key: str
    title: str
    fields: list[Field]
    build: Callable[[dict[str, str]], E.Edit]
    help: str = ""
    aliases: tuple[tuple[str, str], ...] = ()
    """Problem field -> form field, where they differ (a fault's delay and abort both live in `value`)."""

    def field_of(self, problem_field: str) -> str:
        return dict(self.aliases).get(problem_field, problem_field)


def _subsets(view: RoutesView) -> tuple[str, ...]:
    return tuple(view.subsets or view.versions) or ("v1",)


def _text(value: object) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


REMOVE = "remove this match"


def match_form(host: str, view: RoutesView) -> FormSpec:
    subsets = _subsets(view)
    return FormSpec("match", f"Route a header to a subset ({host})",
                    [Field("header", "header name", "end-user"), Field("value", "header value (exact match)", "tester"),
                     Field("subset", "to subset", subsets[-1], (*subsets, REMOVE))],
                    lambda v: E.parse_match(v["header"], v["value"], v["subset"], remove=v["subset"] == REMOVE),
                    "The rule goes ahead of the weighted rule: matching requests skip the weights. "
                    f"'{REMOVE}' deletes the rule that matches exactly this header and value.")


def _changed(values: dict[str, str], prefill: dict[str, str], name: str) -> str | None:
    """What the user typed into `name`, or None when it is still the prefilled (current) value."""
    return None if values[name].strip() == prefill[name].strip() else values[name]


def fault_form(host: str, view: RoutesView) -> FormSpec:
    rule = view.weighted
    fault = rule.faults[0] if rule and rule.faults else None
    kind, value = (fault.kind, fault.value) if fault else ("abort", "503")
    shares = ", ".join(f"{f.kind} {_text(f.percent)}" for f in rule.faults) if rule and rule.faults else ""

    def build(v: dict[str, str]) -> E.Edit:
        # a delay or status left as shown is the cluster's, not the user's: only the share is recorded
        keep = fault is not None and v["subset"] == WEIGHTED and v["kind"] == kind and v["value"].strip() == value
        return E.parse_fault(v["kind"], v["value"], v["percent"] or None,
                             None if v["subset"] == WEIGHTED else v["subset"], keep_value=keep)
    return FormSpec("fault", f"Inject a fault ({host})",
                    [Field("kind", "kind", kind, ("abort", "delay", "none")),
                     Field("value", "HTTP status (abort, 200-599) or duration (delay, e.g. 2s)", value),
                     Field("percent", "percent of requests, 0-100; empty keeps "
                           + (f"the current share ({shares})" if shares else "the default: 100 for a new fault"), "",
                           placeholder="keep"),
                     Field("subset", "on the rule of", WEIGHTED, (WEIGHTED, *_subsets(view)))],
                    build, "Istio ignores timeouts and retries on a rule that has a fault. Only what you change is "
                    "recorded: a value left as shown stays whatever the cluster has when you apply.",
                    (("delay", "value"), ("abort", "value")))


def mirror_form(host: str, view: RoutesView) -> FormSpec:
    rule = view.weighted
    subsets = _subsets(view)
    mirrored = rule.mirror if rule and rule.mirror in subsets else None
    share = (f"the current share ({_text(rule.mirror_percent)})" if rule and rule.mirror is not None
             else "the default: 100 for a new mirror")

    def build(v: dict[str, str]) -> E.Edit:
        return E.parse_mirror(v["subset"], v["percent"] or None,
                              keep_target=mirrored is not None and v["subset"] == mirrored)
    return FormSpec("mirror", f"Mirror traffic ({host})",
                    [Field("subset", "mirror to", mirrored or subsets[-1], (*subsets, "none")),
                     Field("percent", f"percent mirrored, 0-100; empty keeps {share}", "", placeholder="keep")],
                    build, "Mirrored requests are fire-and-forget: their responses are dropped.")


def timeout_form(host: str, view: RoutesView) -> FormSpec:
    rule = view.weighted
    prefill = {"timeout": rule.timeout or "" if rule else "", "retries": _text(rule.retries) if rule else "",
               "per_try": rule.per_try or "" if rule else "", "retry_on": rule.retry_on or "" if rule else ""}

    def build(v: dict[str, str]) -> E.Edit:
        # only the fields the user changed: a re-based draft keeps what another writer set meanwhile
        changed = {name: _changed(v, prefill, name) or None for name in prefill}
        if all(value is None for value in changed.values()):
            raise InvalidInput([Problem("timeout", v["timeout"], "nothing to change",
                                        "the fields show the current values: change one, or Esc closes the form")])
        return E.parse_timeout(changed["timeout"], changed["retries"], changed["per_try"], changed["retry_on"])
    return FormSpec("timeout", f"Timeout and retries ({host})",
                    [Field("timeout", "timeout (e.g. 2s; none removes it; empty keeps it)", prefill["timeout"],
                           placeholder="keep"),
                     Field("retries", "retry attempts (0 disables; empty keeps)", prefill["retries"],
                           placeholder="keep"),
                     Field("per_try", "timeout per attempt (empty keeps)", prefill["per_try"], placeholder="keep"),
                     Field("retry_on", "retry on (e.g. 5xx,connect-failure; empty keeps)", prefill["retry_on"],
                           placeholder="keep")],
                    build, "Only the fields you change are written: a value left as shown stays whatever the "
                    "cluster has when you apply.")


BREAKER_LABELS = {"max_connections": "max connections (TCP, >= 1)", "max_pending": "max pending requests (>= 1)",
                  "max_requests_per_connection": "max requests per connection (0 = unlimited)",
                  "consecutive_errors": "5xx in a row before ejecting a pod",
                  "interval": "ejection analysis interval (e.g. 10s)", "ejection_time": "base ejection time",
                  "max_ejection_percent": "most pods ejected at once (%)"}


def breaker_form(host: str, view: RoutesView) -> FormSpec:
    """Fields show the breaker that is there (unset fields empty); a host with none shows the defaults as hints."""
    current = view.breaker
    prefill = {name: _text(getattr(current, name)) if current else "" for name in E.BREAKER_INPUTS}

    def hint(name: str) -> str:
        default = BREAKER_DEFAULTS.get(name)
        return f"default {_text(default)}" if current is None and default is not None else "not set"

    def value(v: dict[str, str], name: str) -> str | None:
        typed = _changed(v, prefill, name)
        return None if typed is None else typed if typed.strip() else E.UNSET  # emptied: remove the field

    def build(v: dict[str, str]) -> E.Edit:
        if v["enabled"] == "off":
            return E.ClearBreaker()
        return E.parse_breaker({name: value(v, name) for name in E.BREAKER_INPUTS})
    fields = [Field("enabled", "circuit breaker", "on", ("on", "off"))]
    fields += [Field(name, BREAKER_LABELS[name], prefill[name], placeholder=hint(name)) for name in E.BREAKER_INPUTS]
    note = ("Fields show the current values; only the fields you change are written (a value left as shown stays "
            "whatever the cluster has when you apply). An empty field is not set: emptying a value removes that "
            "field and Istio's own default applies (no limit for the pool). "
            + ("" if current else "This host has no breaker yet: the fields you leave empty get the safe defaults "
               "shown in them (Istio's own for ejection), listed before applying. ")
            + "'off' removes these settings (other pool and ejection settings stay).")
    return FormSpec("breaker", f"Circuit breaker on the DestinationRule ({host})", fields, build, note)


FORMS: dict[str, Callable[[str, RoutesView], FormSpec]] = {
    "match": match_form, "fault": fault_form, "mirror": mirror_form, "timeout": timeout_form,
    "breaker": breaker_form}


def finding_field(spec: FormSpec, finding: R.Finding) -> str:
    """The form field an Istio finding on the result is about ('' when none fits)."""
    path = finding.field
    for needle, name in (("fixedDelay", "value"), ("httpStatus", "value"), ("perTryTimeout", "per_try"),
                         ("retryOn", "retry_on"), ("timeout", "timeout"), ("mirror", "subset"),
                         ("percentage", "percent"), ("maxConnections", "max_connections"),
                         ("interval", "interval"), ("baseEjectionTime", "ejection_time")):
        if needle in path and any(f.name == name for f in spec.fields):
            return name
    return ""
