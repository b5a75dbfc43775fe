"""Planning: a draft's edits on top of the cluster's routes, validated, with nothing sent.

Pure (no request), so the Traffic panel re-plans on every key press and every change
the watch reports, and a fake engine in the snapshot tests plans exactly like the real
one. Errors the cluster already had are only warnings: the edit did not cause them.
`clashes` says which fields a re-based draft sets that someone changed meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from meshtui.domain import routes as R
from meshtui.domain.routes.edits import Edit
from meshtui.domain.routes.inputs import Problem
from meshtui.domain.routes.present import percent
from meshtui.services.routes.model import EditRejected, Loaded, Plan


def findings(after: R.Routes, before: R.Routes) -> list[R.Finding]:
    """Istio's findings on `after`; errors `before` already had become warnings."""
    existing = {f.message for f in R.validate(before) if f.level == "error"}
    return [R.Finding("warning", f"{f.message} (already so in the cluster)", f.code, f.field)
            if f.level == "error" and f.message in existing else f for f in R.validate(after)]


def removed_destinations(before: R.Routes, after: R.Routes) -> list[R.Finding]:
    """Warnings for catch-all destinations that are no subset of the host (any pod, another host) and go away."""
    def loose(routes: R.Routes) -> dict[str, float | None]:
        rule = R.view(routes).weighted
        return {d.key: d.share for d in rule.destinations if d.external or not d.subset} if rule else {}
    kept = loose(after)
    return [R.Finding("warning", f"the change removes the route to {key.removeprefix('→ ') or 'any pod of the host'}"
                                 f" ({percent(share)} of the traffic)", "", "route")
            for key, share in loose(before).items() if key not in kept]


def plan_edits(loaded: Loaded, edits: Sequence[Edit]) -> Plan:
    """`edits` applied in order on `loaded.base`; raises EditRejected naming the field, value and fix."""
    defaults: dict[str, int | str | float] = {}
    after = loaded.base
    try:
        for edit in edits:
            defaults.update(edit.defaults_used(after))
            after = edit.apply(after)
    except R.RouteError as exc:
        raise EditRejected(loaded.routes.host, [Problem(exc.field or "edit", exc.value, exc.message,
                                                        exc.fix or "see `meshtui routes show`")]) from None
    base = loaded.base
    if after.vs == base.vs and after.dr == base.dr:  # the edits changed nothing: no DestinationRule made for it
        after = loaded.routes.copy()
    if loaded.routes.vs is None:  # the rule meshtui creates replaces no one's route
        warnings = []
    else:
        warnings = removed_destinations(loaded.routes, after)
    return Plan(loaded, after, findings(after, loaded.routes) + warnings, tuple(edits), defaults)


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _flat(routes: R.Routes) -> dict[tuple, Any]:
    return {path: value for kind, spec in (("VirtualService", routes.vs), ("DestinationRule", routes.dr))
            for path, value in _leaves(spec or {}, (kind,))}


def _shown(value: Any) -> str:
    return "not set" if value is _MISSING else value if isinstance(value, str) else json.dumps(value)


_MISSING = object()


def clashes(was: Loaded, now: Loaded, edits: Sequence[Edit]) -> dict[tuple, str]:
    """Fields the draft `edits` change that someone changed in the cluster between `was` and `now`, to a value
    other than the draft's: path -> what to tell the user (empty when the draft no longer plans on either)."""
    try:
        drafted, rebased = plan_edits(was, edits).after, plan_edits(now, edits).after
    except EditRejected:
        return {}
    before, theirs, draft, yours = _flat(was.routes), _flat(now.routes), _flat(drafted), _flat(rebased)
    out = {}
    for path in sorted({*before, *theirs, *draft, *yours}, key=str):
        old, new = before.get(path, _MISSING), theirs.get(path, _MISSING)
        mine = yours.get(path, _MISSING)
        if draft.get(path, _MISSING) != old and new != old and mine != new:
            name = next((p for p in reversed(path) if isinstance(p, str)), "a field")
            change = "removed in the cluster" if new is _MISSING else f"changed in the cluster to {_shown(new)}"
            out[path] = (f"{now.routes.host}: {name} {change} since your draft (yours: {_shown(mine)}) — review "
                         "before applying")
    return out
