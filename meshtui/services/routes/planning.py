"""Planning: a draft's edits on top of the cluster's routes, validated, with nothing sent.

Pure (no request), so the Traffic panel re-plans on every key press and every change
the watch reports, and a fake engine in the snapshot tests plans exactly like the real
one. Errors the cluster already had are only warnings: the edit did not cause them.
"""

from __future__ import annotations

from collections.abc import Sequence

from meshtui.domain import routes as R
from meshtui.domain.routes.edits import Breaker, Edit
from meshtui.domain.routes.inputs import Problem
from meshtui.services.routes.model import EditRejected, Loaded, Plan


def findings(after: R.Routes, before: R.Routes) -> list[R.Finding]:
    """Istio's findings on `after`; errors `before` already had become warnings."""
    existing = {f.message for f in R.validate(before) if f.level == "error"}
    return [R.Finding("warning", f"{f.message} (already so in the cluster)", f.code, f.field)
            if f.level == "error" and f.message in existing else f for f in R.validate(after)]


def plan_edits(loaded: Loaded, edits: Sequence[Edit]) -> Plan:
    """`edits` applied in order on `loaded.base`; raises EditRejected naming the field, value and fix."""
    defaults: dict[str, int | str] = {}
    after = loaded.base
    try:
        for edit in edits:
            if isinstance(edit, Breaker):
                defaults.update(edit.defaults_used(after))
            after = edit.apply(after)
    except R.RouteError as exc:
        raise EditRejected(loaded.routes.host, [Problem(exc.field or "edit", exc.value, exc.message,
                                                        exc.fix or "see `meshtui routes show`")]) from None
    return Plan(loaded, after, findings(after, loaded.routes), tuple(edits), defaults)
