"""What users type, parsed once for the CLI and the panel: Istio's syntax, ranges and minimums, one message each."""

from __future__ import annotations

import copy

import pytest

from meshtui.domain import routes as R
from meshtui.domain.routes import durations
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.sim.routing import go_duration_ns
from tests.unit.test_routes_domain import routes

GO_DURATIONS = [("1s", 10**9), ("1.5s", 1_500_000_000), ("500ms", 500_000_000), ("1m30s", 90 * 10**9),
                ("1h", 3600 * 10**9), (".5s", 500_000_000), ("5.s", 5 * 10**9), ("2h45m", 9900 * 10**9),
                ("1µs", 1000), ("1us", 1000), ("3ns", 3), ("0", 0), ("-1s", -(10**9)), ("+2s", 2 * 10**9),
                ("1.0000001ms", 1_000_000)]
NOT_GO = ["5", "abc", "", "1x", "s", ".s", "1.2.3s", "1s ", " 1s", "1 s", "--1s", "1e3s", "１s"]


@pytest.mark.parametrize(("text", "nanoseconds"), GO_DURATIONS)
def test_go_duration_syntax_is_read_like_go(text: str, nanoseconds: int) -> None:
    assert durations.parse(text) == nanoseconds
    assert go_duration_ns(text) == nanoseconds  # the sim (the oracle) reads it the same way


@pytest.mark.parametrize("text", NOT_GO)
def test_what_go_cannot_read_is_rejected_by_both(text: str) -> None:
    with pytest.raises(durations.DurationError):
        durations.parse(text)
    with pytest.raises(ValueError):
        go_duration_ns(text)


@pytest.mark.parametrize(("text", "problem"), [("5", "a number needs a unit"), ("0", "at least 1ms"),
                                               ("500us", "at least 1ms"), ("1.5ms", "whole number of milliseconds"),
                                               ("-2s", "at least 1ms"), ("2x", "unknown unit")])
def test_istio_minimums_on_top_of_the_syntax(text: str, problem: str) -> None:
    assert problem in (durations.istio_problem(text) or "")
    assert durations.istio_problem("1ms") is None and durations.istio_problem("2s") is None


def problems(call, *args, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return [p.text() for p in info.value.problems]


def test_every_invalid_input_of_the_issue_gets_its_own_message() -> None:
    assert problems(E.parse_breaker, {"max_connections": "-1"}) == [
        "max_connections '-1': must be at least 1 (Istio rejects a negative limit; it accepts 0 but reads it as no "
        "limit at all, as if the field were not set: to remove the limit, give none); use e.g. 100"]
    assert problems(E.parse_breaker, {"interval": "5"}) == [
        "interval '5': not a duration: a number needs a unit; use a duration such as 10s (e.g. 2s, 500ms, 1m30s "
        "or 1h)"]
    assert problems(E.parse_fault, "delay", "2", None, None)[0].startswith("delay '2': not a duration: a number "
                                                                           "needs a unit")
    assert problems(E.parse_timeout, "abc", None, None, None)[0].startswith("timeout 'abc': not a duration")
    assert problems(E.parse_fault, "abort", "999", None, None) == [
        "abort '999': an HTTP status must be within 200-599; e.g. 503 or 500"]
    assert problems(E.parse_fault, "abort", "abc", "50", None) == [
        "abort 'abc': not an HTTP status code; use a status within 200-599, e.g. 503"]
    assert problems(E.parse_fault, "abort", "503", "150", None) == [
        "percent '150': a percentage must be within 0-100; e.g. 50"]
    assert problems(E.parse_weights, ["v1=50", "v2=40"]) == [
        "weights 'v1=50 v2=40': the weights sum to 90, not 100; make them add up to 100, e.g. v1=90 v2=10"]
    assert problems(E.parse_weights, ["v1=-10", "v2=110"])[0].startswith("weights 'v1=-10': must be at least 0")
    assert problems(E.parse_timeout, None, "3", "0.5ms", None) == [
        "per_try '0.5ms': must be at least 1ms; use a duration such as 1s (e.g. 2s, 500ms, 1m30s or 1h)"]
    assert problems(E.parse_timeout, None, "2", None, "5xx,sometimes")[0].startswith(
        "retry_on '5xx,sometimes': not a retryOn policy: sometimes")
    assert problems(E.parse_breaker, {"max_connections": "9" * 4301})[0].startswith("max_connections")
    assert problems(E.parse_match, "bad header", "x", "v2")[0].startswith("header 'bad header': not an HTTP header")
    assert problems(E.parse_preset, "rainbow") == [
        "preset 'rainbow': not a preset; use one of stable, canary, half, flip, bluegreen"]
    several = problems(E.parse_breaker, {"max_connections": "0", "interval": "5", "ejection_time": "x"})
    assert len(several) == 3  # every bad field at once, not one per try


def test_shift_from_a_subset_that_does_not_exist_says_so() -> None:
    with pytest.raises(R.RouteError) as info:
        E.parse_shift("v3", None, "v9").apply(routes())
    assert info.value.field == "source" and "no subset v9" in str(info.value)
    with pytest.raises(R.RouteError, match="no subset v7"):
        E.parse_shift("v7", "10", None).apply(routes())


def test_breaker_edits_are_partial_and_defaults_are_safe() -> None:
    fresh = E.parse_breaker({}).apply(routes())
    policy = fresh.dr["trafficPolicy"]
    assert policy["connectionPool"] == {"tcp": {"maxConnections": 100}, "http": {"http1MaxPendingRequests": 100}}
    assert policy["outlierDetection"] == {"consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s",
                                          "maxEjectionPercent": 10}
    assert policy["tls"] == {"mode": "ISTIO_MUTUAL"}  # untouched
    assert E.parse_breaker({}).defaults_used(routes())["max_connections"] == 100
    tuned = E.parse_breaker({"consecutive_errors": "3"}).apply(fresh)
    assert tuned.dr["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"] == 3
    tuned.dr["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"] = 5
    assert tuned.dr == fresh.dr  # nothing else changed
    assert E.parse_breaker({}).defaults_used(fresh) == {}  # nothing new to default
    assert E.parse_breaker({}).apply(fresh).dr == fresh.dr  # no flags on an existing breaker: no change


def test_fault_mirror_and_timeout_edits_keep_what_was_not_given() -> None:
    first = E.parse_fault("delay", "2s", "10", None).apply(routes())
    again = E.parse_fault("delay", "3s", None, None).apply(first)
    assert again.vs["http"][1]["fault"]["delay"] == {"fixedDelay": "3s", "percentage": {"value": 10.0}}
    both = E.parse_fault("abort", "503", None, None).apply(again)
    assert both.vs["http"][1]["fault"]["abort"] == {"httpStatus": 503, "percentage": {"value": 100.0}}
    assert both.vs["http"][1]["fault"]["delay"]["fixedDelay"] == "3s"
    mirrored = E.parse_mirror("v2", "25").apply(routes())
    moved = E.parse_mirror("v3", None).apply(mirrored)
    assert moved.vs["http"][1]["mirror"]["subset"] == "v3" and moved.vs["http"][1]["mirrorPercentage"] == \
        {"value": 25.0}
    timed = E.parse_timeout("3s", "2", "1s", None).apply(routes())
    retried = E.parse_timeout(None, "4", None, None).apply(timed)
    assert retried.vs["http"][1]["timeout"] == "3s"
    assert retried.vs["http"][1]["retries"] == {"attempts": 4, "perTryTimeout": "1s",
                                                "retryOn": "5xx,connect-failure,refused-stream"}
    assert "timeout" not in E.parse_timeout("none", None, None, None).apply(timed).vs["http"][1]
    assert E.parse_timeout(None, "0", None, None).apply(timed).vs["http"][1]["retries"] == {"attempts": 0}
    with pytest.raises(R.RouteError, match="needs retries"):
        E.parse_timeout(None, None, "1s", None).apply(routes())


def test_one_weight_rule_everywhere() -> None:
    spec = routes()
    spec.vs["http"][1]["route"] = [{"destination": {"host": "reviews", "subset": "v1"}},
                                   {"destination": {"host": "reviews", "subset": "v2"}}]
    assert spec.weights() == {"v1": 0, "v2": 0}
    rule = R.view(spec).weighted
    assert rule is not None and [d.share for d in rule.destinations] == [None, None]
    assert "v1 -, v2 -" in R.describe(rule)
    assert any("total destination weight = 0" in f.message for f in R.validate(spec))
    relative = routes()
    relative.vs["http"][1]["route"] = [{"destination": {"host": "reviews", "subset": "v1"}, "weight": 1},
                                       {"destination": {"host": "reviews", "subset": "v3"}, "weight": 3}]
    assert relative.shares() == {"v1": 25.0, "v3": 75.0}
    assert "v1 25%, v3 75%" in R.describe(R.view(relative).weighted)  # type: ignore[arg-type]
    lone = routes()
    lone.vs["http"][1]["route"][0]["weight"] = 30  # a lone destination takes everything whatever its weight
    assert lone.weights() == {"v1": 100} and R.view(lone).shares() == {"v1": 100.0}


def test_the_view_carries_values_not_display_text() -> None:
    spec = R.add_header_match(routes(), "x-user", "a  b", "v2")  # two spaces in a header value
    view = R.view(spec)
    rule = view.rules[1]
    assert rule.conditions == ("x-user=a  b",) and rule.other == ()
    assert [d.subset for d in rule.destinations] == ["v2"]
    assert view.rules[0].other == ("corsPolicy", "rewrite")
    assert view.weighted is not None and view.weighted.index == 2


def test_parsed_edits_never_change_their_input() -> None:
    before = copy.deepcopy(routes())
    for edit in (E.parse_weights(["v1=50", "v2=50"]), E.parse_breaker({"max_pending": "7"}),
                 E.parse_fault("abort", "500", "5", None), E.parse_timeout("2s", None, None, None)):
        original = routes()
        edit.apply(original)
        assert original == before
