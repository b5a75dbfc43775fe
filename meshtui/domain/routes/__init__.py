"""Traffic routes of one host, pure: model, edits, Istio's validation rules, views and diffs.

`model` holds the specs and the one weight rule, `inputs` parses what users type,
`operations`/`policies` are the edits on the specs, `edits` wraps them as typed values,
`validate` is what Istio would reject, `view` the typed picture front ends render and
`present` the text forms. This package re-exports the names callers use; those of
`operations`, `policies` and `present` on first use (PEP 562), so a caller that needs
a constant or the model (`fqdn`, `MANAGED_LABEL`) does not load the edits and the YAML
and diff forms.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# `validate` and `view` are both a function and a module of this package, and importing a
# submodule sets the package's attribute of that name to the module: bound lazily, `R.view`
# would be the module once anything imported `meshtui.domain.routes.view`. These two are
# bound here, after their modules loaded, so the names stay the functions.
from meshtui.domain.routes.validate import Finding, validate
from meshtui.domain.routes.view import RoutesView, RuleView, view

if TYPE_CHECKING:
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

# name -> the module of this package that defines it
_EXPORTS: dict[str, str] = {
    "DurationError": "durations", "istio_problem": "durations",
    "InvalidInput": "inputs", "Problem": "inputs",
    "MANAGED_LABEL": "model", "MANAGED_VALUE": "model", "ORIGINAL_ANNOTATION": "model", "RouteError": "model",
    "Routes": "model", "destination_shares": "model", "destination_weights": "model", "fqdn": "model",
    "same_host": "model",
    "BREAKER_DEFAULTS": "operations", "PRESETS": "operations", "add_header_match": "operations",
    "preset": "operations", "remove_header_match": "operations", "set_weights": "operations", "shift": "operations",
    "stable_and_canary": "operations",
    "breaker_defaults_used": "policies", "clear_breaker": "policies", "clear_fault": "policies",
    "clear_mirror": "policies", "set_breaker": "policies", "set_fault": "policies", "set_mirror": "policies",
    "set_timeout": "policies", "subsets_from_versions": "policies",
    "as_yaml": "present", "describe": "present", "describe_rule": "present", "diff": "present",
    "spec_diff": "present",
}

__all__ = [
    "BREAKER_DEFAULTS", "MANAGED_LABEL", "MANAGED_VALUE", "ORIGINAL_ANNOTATION", "PRESETS", "DurationError", "Finding",
    "InvalidInput", "Problem", "RouteError", "Routes", "RoutesView", "RuleView", "add_header_match", "as_yaml",
    "breaker_defaults_used", "clear_breaker", "clear_fault", "clear_mirror", "describe", "describe_rule",
    "destination_shares", "destination_weights", "diff", "fqdn", "istio_problem", "preset", "remove_header_match", "same_host",
    "set_breaker", "set_fault", "set_mirror", "set_timeout", "set_weights", "shift", "spec_diff", "stable_and_canary",
    "subsets_from_versions", "validate", "view",
]


def __getattr__(name: str) -> object:
    """`from meshtui.domain.routes import X` loads the one module that defines X, on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
