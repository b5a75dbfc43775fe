"""Traffic routes of one host, pure: model, edits, Istio's validation rules, views and diffs.

`model` holds the specs and the one weight rule, `inputs` parses what users type,
`operations`/`policies` are the edits on the specs, `edits` wraps them as typed values,
`validate` is what Istio would reject, `view` the typed picture front ends render and
`present` the text forms. This package re-exports the names callers use.
"""

from meshtui.domain.routes.durations import DurationError, istio_problem
from meshtui.domain.routes.inputs import InvalidInput, Problem
from meshtui.domain.routes.model import (
    MANAGED_LABEL,
    MANAGED_VALUE,
    ORIGINAL_ANNOTATION,
    RouteError,
    Routes,
    destination_shares,
    destination_weights,
    fqdn,
    same_host,
)
from meshtui.domain.routes.operations import (
    BREAKER_DEFAULTS,
    PRESETS,
    add_header_match,
    preset,
    remove_header_match,
    set_weights,
    shift,
    stable_and_canary,
)
from meshtui.domain.routes.policies import (
    breaker_defaults_used,
    clear_breaker,
    clear_fault,
    clear_mirror,
    set_breaker,
    set_fault,
    set_mirror,
    set_timeout,
    subsets_from_versions,
)
from meshtui.domain.routes.present import as_yaml, describe, describe_rule, diff, spec_diff
from meshtui.domain.routes.validate import Finding, validate
from meshtui.domain.routes.view import RoutesView, RuleView, view

__all__ = [
    "BREAKER_DEFAULTS", "MANAGED_LABEL", "MANAGED_VALUE", "ORIGINAL_ANNOTATION", "PRESETS", "DurationError", "Finding",
    "InvalidInput", "Problem", "RouteError", "Routes", "RoutesView", "RuleView", "add_header_match", "as_yaml",
    "breaker_defaults_used", "clear_breaker", "clear_fault", "clear_mirror", "describe", "describe_rule",
    "destination_shares", "destination_weights", "diff", "fqdn", "istio_problem", "preset", "remove_header_match", "same_host",
    "set_breaker", "set_fault", "set_mirror", "set_timeout", "set_weights", "shift", "spec_diff", "stable_and_canary",
    "subsets_from_versions", "validate", "view",
]
