"""Route edits as a user means them: percent of traffic, other hosts kept, targets honoured, nothing silently
dropped or reset (review of the routes feature: findings 3, 4, 7, 8, 11, 12, 13, 22)."""

from __future__ import annotations

import pytest

from meshtui.domain import routes as R
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.services.routes import EditRejected, Loaded
from meshtui.services.routes.planning import plan_edits

HOST = "ratings"


def with_route(route: list[dict], versions: tuple[str, ...] = ("v1", "v2", "v3")) -> R.Routes:
    vs = {"hosts": [HOST], "http": [{"name": "primary", "route": route}]}
    return R.Routes(HOST, "shop", vs, R.subsets_from_versions(HOST, list(versions)), list(versions))


def dest(subset: str | None, weight: int, host: str = HOST) -> dict:
    destination = {"host": host, **({"subset": subset} if subset else {})}
    return {"destination": destination, "weight": weight}


def weights(routes: R.Routes) -> list[tuple[str, str, int]]:
    return [(d["destination"]["host"], d["destination"].get("subset", ""), d["weight"])
            for d in routes.vs["http"][-1]["route"]]


def problems(call, *args, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return [p.text() for p in info.value.problems]


def test_relative_weights_move_in_percent_of_the_traffic() -> None:  # finding 3
    relative = with_route([dest("v1", 0), dest("v2", 5)])
    assert weights(R.shift(relative, "v1", 10)) == [(HOST, "v1", 10), (HOST, "v2", 90)]  # not everything
    assert weights(R.shift(relative, "v1", 1)) == [(HOST, "v1", 1), (HOST, "v2", 99)]  # one point, not 20
    thirds = with_route([dest("v1", 1), dest("v2", 2)])
    assert weights(R.shift(thirds, "v2", 10)) == [(HOST, "v1", 23), (HOST, "v2", 77)]  # 33/67 -> 23/77
    assert R.view(relative).shares() == {"v1": 0.0, "v2": 100.0}


def test_a_shift_keeps_other_destinations_at_their_share() -> None:  # finding 4
    hostile = with_route([dest("v1", 90), dest(None, 10, "ratings.shop.svc.cluster.local")])
    assert weights(R.shift(hostile, "v2", 10)) == [(HOST, "v1", 80), ("ratings.shop.svc.cluster.local", "", 10),
                                                  (HOST, "v2", 10)]
    leaving = with_route([dest("v1", 90), dest(None, 10, "evil.example.com")])
    after = R.shift(leaving, "v2", 10)
    assert weights(after) == [(HOST, "v1", 80), ("evil.example.com", "", 10), (HOST, "v2", 10)]
    assert sum(w for _, _, w in weights(after)) == 100
    assert [R.describe(rule) for rule in R.view(leaving).rules] == [
        "otherwise  -> v1 90%, evil.example.com (another host) 10%"]  # not "(any) 10%"
    assert R.view(leaving).weighted.destinations[1].external


def test_set_says_when_it_drops_a_route_to_another_host() -> None:  # finding 4
    leaving = with_route([dest("v1", 90), dest(None, 10, "evil.example.com")])
    plan = plan_edits(Loaded(leaving), [E.parse_weights(["v1=50", "v2=50"])])
    assert [f.message for f in plan.warnings] == [
        "the change removes the route to evil.example.com (10% of the traffic)"]
    evil_v1 = with_route([dest("v1", 50), dest("v1", 50, "evil.example.com")])
    assert weights(R.set_weights(evil_v1, {"v1": 100})) == [(HOST, "v1", 100)]  # v1 of this host, not of evil


def test_presets_send_the_canary_share_to_the_chosen_subset() -> None:  # finding 11
    start = with_route([dest("v1", 100)])
    assert weights(E.parse_preset("canary", "v3").apply(start)) == [(HOST, "v1", 90), (HOST, "v3", 10)]
    assert weights(E.parse_preset("half", "v3").apply(start)) == [(HOST, "v1", 50), (HOST, "v3", 50)]
    assert weights(E.parse_preset("bluegreen", "v3").apply(start)) == [(HOST, "v3", 100)]
    assert weights(E.parse_preset("canary").apply(start)) == [(HOST, "v1", 90), (HOST, "v2", 10)]
    with pytest.raises(R.RouteError, match="v1 is the stable subset"):
        E.parse_preset("canary", "v1").apply(start)
    assert problems(E.parse_preset, "canary", "") == ["to '': empty value; give a subset name, e.g. v2"]


def test_a_header_match_can_be_removed() -> None:  # finding 12
    start = with_route([dest("v1", 100)])
    matched = E.parse_match("End-User", "tester", "v2").apply(start)
    assert len(matched.vs["http"]) == 2
    removed = E.parse_match("end-user", "tester", None, remove=True).apply(matched)
    assert removed.vs == start.vs
    with pytest.raises(R.RouteError, match="no rule of ratings matches exactly end-user=nobody"):
        E.parse_match("end-user", "nobody", "remove").apply(matched)


def test_breaker_clear_and_unset_touch_only_meshtuis_fields() -> None:  # findings 13 and 7
    start = with_route([dest("v1", 100)])
    start.dr["trafficPolicy"] = {
        "connectionPool": {"tcp": {"maxConnections": 5, "connectTimeout": "1s"},
                           "http": {"idleTimeout": "5s", "http1MaxPendingRequests": 3}},
        "outlierDetection": {"consecutive5xxErrors": 2, "consecutiveGatewayErrors": 4}}
    cleared = E.ClearBreaker().apply(start)
    assert cleared.dr["trafficPolicy"] == {"connectionPool": {"tcp": {"connectTimeout": "1s"},
                                                              "http": {"idleTimeout": "5s"}},
                                           "outlierDetection": {"consecutiveGatewayErrors": 4}}
    unset = E.parse_breaker({"max_connections": "none", "consecutive_errors": "3"}).apply(start)
    pool = unset.dr["trafficPolicy"]["connectionPool"]
    assert "maxConnections" not in pool["tcp"] and pool["http"]["http1MaxPendingRequests"] == 3
    assert unset.dr["trafficPolicy"]["outlierDetection"]["consecutive5xxErrors"] == 3
    assert problems(E.parse_breaker, {"max_connections": ""}) == [
        "max_connections '': empty value; give a value such as 100, or none to remove the field (Istio's default "
        "applies)"]


def test_empty_values_are_never_taken_as_not_given() -> None:  # finding 7
    assert problems(E.parse_fault, "abort", "503", "", None)[0] == (
        "percent '': empty value; give a percentage from 0 to 100, e.g. 50")
    assert problems(E.parse_fault, "abort", "503", None, "")[0].startswith("subset '': empty value")
    assert problems(E.parse_shift, "v2", "", None)[0].startswith("by '': empty value")
    assert problems(E.parse_timeout, None, "2", None, "")[0].startswith("retry_on '': empty value")
    assert problems(E.parse_timeout, "", None, None, None)[0].startswith("timeout '': empty value")


def test_numbers_are_ascii_and_any_length_gets_a_range_message() -> None:  # finding 22
    assert problems(E.parse_weights, ["v1=99999999999999999999999"]) == [
        "weights 'v1=99999999999999999999999': must be at most 100; use e.g. 10"]
    assert problems(E.parse_breaker, {"max_connections": "99999999999999"})[0].startswith(
        "max_connections '99999999999999': must be at most 2147483647")
    assert problems(E.parse_fault, "abort", "٥٠٣", None, None)[0].startswith("abort '٥٠٣': not an HTTP status")
    assert problems(E.parse_fault, "abort", "503", "٥٠", None)[0].startswith("percent '٥٠': not a number")
    assert problems(E.parse_timeout, None, "2", None, "5xx,٥٠٣")[0].startswith("retry_on '5xx,٥٠٣': not a retryOn")
    assert "not a duration: not a duration" not in problems(E.parse_timeout, "abc", None, None, None)[0]


def test_messages_name_the_right_thing() -> None:  # finding 22
    single = with_route([dest("v1", 100)], versions=("v1",))
    with pytest.raises(R.RouteError) as info:
        R.shift(single, "v1", 10)
    assert str(info.value).startswith("ratings has only one subset (v1)") and "has no weight" not in str(info.value)
    with pytest.raises(R.RouteError) as flip:
        R.preset(single, "flip")
    assert flip.value.value == "flip"
    with pytest.raises(EditRejected) as flip_rejected:
        plan_edits(Loaded(single), [E.Preset("canary")])
    assert flip_rejected.value.problems[0].value == HOST  # "PRESET ''" no more
    little = with_route([dest("v1", 90), dest("v2", 10)])
    with pytest.raises(R.RouteError, match="v2 has only 10% of the traffic to give"):
        R.shift(little, "v1", 50, "v2")


def test_diffs_compare_what_changed_not_key_order() -> None:  # findings 8 and 22
    written = {"http": [{"route": [{"weight": 45, "destination": {"subset": "v1", "host": HOST}}], "name": "p"}],
               "hosts": [HOST]}
    now = {"hosts": [HOST], "http": [{"name": "p", "route": [{"destination": {"host": HOST, "subset": "v1"},
                                                               "weight": 40}]}]}
    changed = [line for line in R.spec_diff("VS", written, now).splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-    weight: 45", "+    weight: 40"]
    unicode = R.spec_diff("VS", {"timeout": "1000µs"}, {"timeout": "2s", "x": "für"})
    assert "1000µs" in unicode and "für" in unicode and "\\x" not in unicode
    before, after = with_route([dest("v1", 100)]), with_route([dest("v2", 100)])
    theirs = R.diff(before, after, ("when read", "now"))
    assert "(when read)" in theirs and "(now)" in theirs and "(after)" not in theirs
