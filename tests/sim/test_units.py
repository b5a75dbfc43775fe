"""Pure pieces of the simulator: selectors, patches, durations, log timestamps."""

from __future__ import annotations

import pytest

from meshtui.sim import patching
from meshtui.sim.selectors import SelectorError, parse_field_selector, parse_label_selector
from meshtui.sim.timefmt import format_ns as format_ts
from meshtui.sim.timefmt import human_duration
from meshtui.sim.timefmt import parse_ns as parse_ts


@pytest.mark.parametrize("selector,labels,expected", [
    ("app=catalog", {"app": "catalog"}, True),
    ("app==catalog,version!=v2", {"app": "catalog", "version": "v1"}, True),
    ("app=catalog,version!=v2", {"app": "catalog", "version": "v2"}, False),
    ("version in (v1, v3)", {"version": "v3"}, True),
    ("version notin (v1,v3)", {"version": "v3"}, False),
    ("version notin (v1,v3)", {}, True),
    ("app", {"app": "x"}, True),
    ("!app", {"app": "x"}, False),
    ("app=x,version in (v1,v2),!canary", {"app": "x", "version": "v2"}, True),
    ("", {}, True),
    ("replicas>2", {"replicas": "3"}, True),
    ("replicas>2", {"replicas": "2"}, False),
    ("replicas<2", {"replicas": "x"}, False),  # not an integer: no match, as apimachinery
    ("app.kubernetes.io/name=shop", {"app.kubernetes.io/name": "shop"}, True),
])
def test_label_selectors(selector: str, labels: dict, expected: bool) -> None:
    assert parse_label_selector(selector)(labels) is expected


@pytest.mark.parametrize("bad", ["=x", "version in v1", "a b", "app=x,", "app in ()", "x>y", "Example.com/a=b",
                                 "a" * 64 + "=x", "app=" + "v" * 64, "app in (-x)"])
def test_bad_label_selectors(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse_label_selector(bad)


def test_field_selectors() -> None:
    pod = {"metadata": {"name": "p", "namespace": "shop"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    assert parse_field_selector("status.phase=Running,spec.nodeName=n1", "Pod")(pod)
    assert not parse_field_selector("status.phase!=Running", "Pod")(pod)
    with pytest.raises(SelectorError, match="field label not supported: spec.bogus"):
        parse_field_selector("spec.bogus=1", "Pod")
    with pytest.raises(SelectorError):
        parse_field_selector("spec.nodeName=n1", "VirtualService")


def test_merge_patch_replaces_lists_and_deletes_with_null() -> None:
    target = {"spec": {"http": [{"a": 1}, {"b": 2}], "keep": 1, "drop": 2}}
    out = patching.merge_patch(target, {"spec": {"http": [{"c": 3}], "drop": None}})
    assert out == {"spec": {"http": [{"c": 3}], "keep": 1}}
    assert target["spec"]["drop"] == 2  # the input is untouched


def test_strategic_merge_merges_containers_by_name() -> None:
    target = {"spec": {"containers": [{"name": "app", "image": "a:1"}, {"name": "side", "image": "s:1"}]}}
    out = patching.strategic_merge_patch(target, {"spec": {"containers": [{"name": "app", "image": "a:2"}]}})
    assert out["spec"]["containers"] == [{"name": "app", "image": "a:2"}, {"name": "side", "image": "s:1"}]
    out = patching.strategic_merge_patch(target, {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}})
    assert out["spec"]["containers"] == [{"name": "app", "image": "a:1"}]


def test_json_patch_operations() -> None:
    doc = {"spec": {"http": [{"route": [{"weight": 90}, {"weight": 10}]}]}}
    ops = [{"op": "test", "path": "/spec/http/0/route/0/weight", "value": 90},
           {"op": "replace", "path": "/spec/http/0/route/0/weight", "value": 50},
           {"op": "replace", "path": "/spec/http/0/route/1/weight", "value": 50},
           {"op": "add", "path": "/spec/http/0/timeout", "value": "2s"},
           {"op": "copy", "from": "/spec/http/0/timeout", "path": "/spec/t2"},
           {"op": "move", "from": "/spec/t2", "path": "/spec/t3"},
           {"op": "remove", "path": "/spec/t3"}]
    out = patching.json_patch(doc, ops)
    assert out == {"spec": {"http": [{"route": [{"weight": 50}, {"weight": 50}], "timeout": "2s"}]}}
    with pytest.raises(patching.PatchError):
        patching.json_patch(doc, [{"op": "test", "path": "/spec/http/0/route/0/weight", "value": 1}])
    with pytest.raises(patching.PatchError):
        patching.json_patch(doc, [{"op": "remove", "path": "/nope"}])


@pytest.mark.parametrize("seconds,text", [
    (-1.5, "0s"), (-2, "<invalid>"), (5, "5s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (179 * 60, "179m"),
    (3 * 3600, "3h"), (5 * 3600 + 180, "5h3m"), (26 * 3600, "26h"), (3 * 86400 + 3600, "3d1h"), (40 * 86400, "40d"),
    (729 * 86400, "729d"), (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y")])
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_log_timestamps_round_trip_like_go() -> None:
    ns = 1_764_000_000_123_400_000
    text = format_ts(ns)
    assert text == "2025-11-24T16:00:00.1234Z"
    assert parse_ts(text) == ns
    assert parse_ts("2025-11-24T16:00:00Z") == 1_764_000_000_000_000_000
    assert parse_ts("2025-11-24T17:00:00+01:00") == 1_764_000_000_000_000_000
