"""The Traffic panel's fault and mirror forms record only what the user changed (tester's D2): a draft re-based on
another writer's change keeps that writer's delay, status or mirror target when the form left it as shown, and a
fault or mirror the other writer removed is flagged, never put back. Pure engine: the forms as the panel builds
them (prefilled from the draft), the draft re-planned on the changed cluster as the panel does on a watch event."""

from __future__ import annotations

import pytest

from meshtui.domain import routes as R
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.services.routes import EditRejected, Loaded
from meshtui.services.routes.planning import plan_edits
from meshtui.ui.panels.traffic_forms import FORMS
from tests.services.test_routes_properties import HOST, base_routes


def with_rule(routes: R.Routes, **fields: object) -> R.Routes:
    out = routes.copy()
    out.vs["http"][-1].update(fields)
    return out


def submitted(routes: R.Routes, key: str, typed: dict[str, str]):  # type: ignore[no-untyped-def]
    """The edit the panel records when the user types `typed` over the form prefilled from `routes`."""
    spec = FORMS[key](HOST, R.view(routes))
    values = {f.name: f.default for f in spec.fields}
    return spec.build({**values, **typed})


ABORT = {"fault": {"abort": {"httpStatus": 503, "percentage": {"value": 50.0}}}}


def test_a_fault_share_changed_alone_keeps_the_other_writers_status() -> None:
    cluster = with_rule(base_routes(), **ABORT)
    edit = submitted(cluster, "fault", {"percent": "20"})
    theirs = with_rule(cluster, fault={"abort": {"httpStatus": 500, "percentage": {"value": 50.0}}})
    after = plan_edits(Loaded(theirs), [edit]).after.vs["http"][-1]
    assert after["fault"] == {"abort": {"httpStatus": 500, "percentage": {"value": 20.0}}}
    # a status the user did type is written, whatever the other writer set
    edit = submitted(cluster, "fault", {"value": "502"})
    assert plan_edits(Loaded(theirs), [edit]).after.vs["http"][-1]["fault"]["abort"]["httpStatus"] == 502


def test_a_fault_removed_by_the_other_writer_is_flagged_not_put_back() -> None:
    cluster = with_rule(base_routes(), **ABORT)
    edit = submitted(cluster, "fault", {"percent": "20"})
    with pytest.raises(EditRejected, match="no abort fault any more"):
        plan_edits(Loaded(base_routes()), [edit])


def test_a_mirror_share_changed_alone_keeps_the_other_writers_target() -> None:
    mirrored = {"mirror": {"host": HOST, "subset": "v2"}, "mirrorPercentage": {"value": 10.0}}
    cluster = with_rule(base_routes(), **mirrored)
    edit = submitted(cluster, "mirror", {"percent": "30"})
    theirs = with_rule(cluster, mirror={"host": HOST, "subset": "v3"})
    after = plan_edits(Loaded(theirs), [edit]).after.vs["http"][-1]
    assert after["mirror"]["subset"] == "v3" and after["mirrorPercentage"] == {"value": 30.0}
    with pytest.raises(EditRejected, match="mirrors nothing any more"):
        plan_edits(Loaded(base_routes()), [edit])
    # a target the user did choose is written
    edit = submitted(cluster, "mirror", {"subset": "v1"})
    assert plan_edits(Loaded(theirs), [edit]).after.vs["http"][-1]["mirror"]["subset"] == "v1"


def test_a_timeout_form_submitted_as_shown_says_nothing_changes_in_the_forms_words() -> None:
    cluster = with_rule(base_routes(), timeout="2s")
    with pytest.raises(InvalidInput) as caught:
        submitted(cluster, "timeout", {"timeout": "2s"})
    assert [p.message for p in caught.value.problems] == ["nothing to change"]
    assert "--" not in caught.value.problems[0].fix and "Esc" in caught.value.problems[0].fix
