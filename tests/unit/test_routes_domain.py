"""Route operations on hand-written specs: minimal, round-tripping, validated."""

from __future__ import annotations

import copy

import pytest

from meshtui.domain import routes as R

VS = {"hosts": ["reviews"], "gateways": ["mesh", "shop/shop-gateway"], "exportTo": ["."],
      "http": [{"name": "cors-first", "match": [{"uri": {"prefix": "/admin"}}],
                "corsPolicy": {"allowOrigins": [{"exact": "https://example.com"}]},
                "rewrite": {"uri": "/"}, "route": [{"destination": {"host": "reviews", "subset": "v1"}}]},
               {"name": "main", "headers": {"request": {"set": {"x-env": "dev"}}},
                "route": [{"destination": {"host": "reviews", "subset": "v1", "port": {"number": 9080}},
                           "weight": 100, "headers": {"response": {"add": {"x-v": "1"}}}}]}],
      "tls": [{"match": [{"port": 443, "sniHosts": ["reviews"]}], "route": [{"destination": {"host": "reviews"}}]}]}
DR = {"host": "reviews", "exportTo": ["."], "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"},
                                                              "loadBalancer": {"simple": "LEAST_REQUEST"}},
      "subsets": [{"name": "v1", "labels": {"version": "v1"}, "trafficPolicy": {"loadBalancer": {"simple": "RANDOM"}}},
                  {"name": "v2", "labels": {"version": "v2"}}, {"name": "v3", "labels": {"version": "v3"}}]}


def routes() -> R.Routes:
    return R.Routes("reviews", "bookinfo", copy.deepcopy(VS), copy.deepcopy(DR), ["v1", "v2", "v3"])


def test_set_weights_touches_only_the_weighted_rule() -> None:
    after = R.set_weights(routes(), {"v1": 90, "v2": 10})
    main = after.vs["http"][1]
    assert [(d["destination"]["subset"], d["weight"]) for d in main["route"]] == [("v1", 90), ("v2", 10)]
    assert main["route"][0]["destination"]["port"] == {"number": 9080}  # kept
    assert main["route"][0]["headers"] == {"response": {"add": {"x-v": "1"}}}  # kept
    untouched = copy.deepcopy(after.vs)
    untouched["http"][1]["route"] = VS["http"][1]["route"]
    assert untouched == VS  # everything else round-trips unchanged
    assert after.dr == DR
    assert routes().vs == VS  # the input is not modified


def test_diff_is_minimal() -> None:
    text = R.diff(routes(), R.set_weights(routes(), {"v1": 90, "v2": 10}))
    changed = [line for line in text.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-    weight: 100", "+    weight: 90", "+  - destination:", "+      host: reviews",
                       "+      subset: v2", "+    weight: 10"]
    assert "DestinationRule" not in text


def test_shift_and_presets() -> None:
    r = R.shift(routes(), "v2", 10)
    assert r.weights() == {"v1": 90, "v2": 10}
    r = R.shift(R.shift(r, "v2", 40), "v2", -20)
    assert r.weights() == {"v1": 70, "v2": 30}
    assert R.preset(routes(), "canary").weights() == {"v1": 90, "v2": 10}
    assert R.preset(r, "half").weights() == {"v1": 50, "v2": 50}
    assert R.preset(r, "flip").weights() == {"v1": 30, "v2": 70}
    assert R.preset(r, "stable").weights() == {"v1": 100}
    assert R.preset(routes(), "bluegreen").weights() == {"v2": 100}
    with pytest.raises(R.RouteError):
        R.preset(routes(), "rainbow")


def test_header_match_goes_ahead_of_the_weights_and_is_idempotent() -> None:
    r = R.add_header_match(routes(), "End-User", "tester", "v3")
    names = [rule.get("name") for rule in r.vs["http"]]
    assert names == ["cors-first", "match-end-user-tester", "main"]
    assert r.vs["http"][1]["match"] == [{"headers": {"end-user": {"exact": "tester"}}}]
    again = R.add_header_match(r, "end-user", "tester", "v2")
    assert len(again.vs["http"]) == 3 and again.vs["http"][1]["route"][0]["destination"]["subset"] == "v2"


def test_faults_mirrors_timeouts_and_breakers() -> None:
    r = R.set_fault(routes(), abort=503, percent=50)
    assert r.vs["http"][1]["fault"] == {"abort": {"httpStatus": 503, "percentage": {"value": 50.0}}}
    r = R.set_fault(r, delay="2s", percent=10)
    assert r.vs["http"][1]["fault"]["delay"] == {"fixedDelay": "2s", "percentage": {"value": 10.0}}
    assert "fault" not in R.clear_fault(r).vs["http"][1]
    matched = R.add_header_match(routes(), "end-user", "tester", "v3")
    faulted = R.set_fault(matched, abort=500, subset="v3")
    assert "fault" in faulted.vs["http"][1] and "fault" not in faulted.vs["http"][2]
    with pytest.raises(R.RouteError, match="no rule sends all its traffic to v2"):
        R.set_fault(routes(), abort=500, subset="v2")
    m = R.set_mirror(routes(), "v2", 25)
    assert m.vs["http"][1]["mirror"] == {"host": "reviews", "subset": "v2"}
    assert "mirror" not in R.clear_mirror(m).vs["http"][1]
    t = R.set_timeout(routes(), "3s", 2, "1s")
    assert t.vs["http"][1]["timeout"] == "3s" and t.vs["http"][1]["retries"]["attempts"] == 2
    b = R.set_breaker(routes(), consecutive_errors=3)
    policy = b.dr["trafficPolicy"]
    assert policy["tls"] == {"mode": "ISTIO_MUTUAL"} and policy["outlierDetection"]["consecutive5xxErrors"] == 3
    assert R.clear_breaker(b).dr == DR


def test_validation_like_istio_and_istioctl_analyze() -> None:
    missing = routes()
    missing.vs["http"][1]["route"][0]["destination"]["subset"] = "v9"
    codes = [f.code for f in R.validate(missing)]
    assert "IST0101" in codes
    wrong_sum = routes()
    wrong_sum.vs["http"][1]["route"] = [{"destination": {"host": "reviews", "subset": "v1"}, "weight": 70},
                                        {"destination": {"host": "reviews", "subset": "v2"}, "weight": 20}]
    assert [(f.level, "sum to 90" in f.message) for f in R.validate(wrong_sum)] == [("warning", True)]
    negative = routes()
    negative.vs["http"][1]["route"][0]["weight"] = -5
    assert any("whole number from 0" in f.message for f in R.validate(negative))
    pct = R.set_fault(routes(), abort=503, percent=150)
    assert any("0 or within 0.0001-100" in f.message for f in R.validate(pct))
    both = R.set_timeout(R.set_fault(routes(), abort=503, percent=10), "1s")
    assert [f.level for f in R.validate(both)] == ["warning"]
    assert R.validate(routes()) == []
    with pytest.raises(R.RouteError, match="no subset v9"):
        R.set_weights(routes(), {"v1": 50, "v9": 50})
