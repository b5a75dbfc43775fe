"""Pure log-line handling: inert text, Envoy and JSON parsing, request ids, field filters, queries."""

from __future__ import annotations

import re

import pytest

from meshtui.domain.errors import UsageError
from meshtui.domain.logs import FieldFilter, LogLine, marker_text, parse_envoy, truncate
from meshtui.services.log_query import parse_duration, parse_query

ENVOY = ('[2026-11-24T16:00:00.123Z] "GET /api/items HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow}'
         ' - "-" 0 81 0 - "-" "Go-http-client/1.1" "rid-42" "catalog:9080" "-" '
         'outbound|9080|v3|catalog.shop.svc.cluster.local - 10.96.0.10:9080 10.244.1.5:40000 - primary')


def line(raw: str) -> LogLine:
    return LogLine("shop", "p", "c", "v1", 0, raw)


def test_display_is_inert_and_truncated() -> None:
    assert line("plain").display() == "plain"
    assert line("\x1b[31mred\x1b[0m").display() == "␛[31mred␛[0m"
    assert line("\x1b]52;c;Zm9v\x07").display() == "␛]52;c;Zm9v␇"
    assert line("a\x00b\x7fc\u009bd").display() == "a␀b␡c\\x9bd"
    assert truncate("x" * 3000).endswith("… [+1000 chars]")
    assert line("x" * 3000).display().endswith("… [+1000 chars]")


def test_json_lines_carry_the_instance_and_markers_an_event() -> None:
    restarted = LogLine("shop", "p", "catalog", "v1", 0, marker_text("catalog", 2, "Error"), 0, 2, "restarted")
    assert restarted.raw == "── catalog restarted (#2, Error) ──" and restarted.fields is None
    assert restarted.to_dict() == {"namespace": "shop", "pod": "p", "container": "catalog", "version": "v1",
                                   "instance": 2, "event": "restarted"}
    plain = LogLine("shop", "p", "c", "v1", 1_700_000_000_123_456_789, "hello", 0, 3)
    assert plain.to_dict()["instance"] == 3 and plain.to_dict()["ts"] == "2023-11-14T22:13:20.123456789Z"


def test_envoy_lines_parse_into_fields() -> None:
    fields = parse_envoy(ENVOY)
    assert fields is not None
    assert (fields["method"], fields["path"], fields["status"], fields["flags"], fields["duration"]) == \
        ("GET", "/api/items", 503, "UO", 0)
    assert (fields["direction"], fields["subset"], fields["host"]) == ("outbound", "v3", "catalog.shop.svc.cluster.local")
    assert line(ENVOY).request_id == "rid-42" and line(ENVOY).kind == "envoy" and line(ENVOY).level == "error"
    assert parse_envoy("[not envoy") is None


def test_json_and_text_request_ids_and_levels() -> None:
    js = line('{"level":"WARN","msg":"slow","request_id":"abc-123","status":404}')
    assert js.kind == "json" and js.level == "warn" and js.request_id == "abc-123"
    text = line("2026/11/24 16:00:00 error ratings GET / 500 3ms request_id=9f8e7d6c-aaaa served")
    assert text.kind == "text" and text.level == "error" and text.request_id == "9f8e7d6c-aaaa"
    assert line("nothing here").request_id is None
    assert line("{broken json").kind == "text"


@pytest.mark.parametrize("expr,raw,expected", [
    ("level>=warn", '{"level":"error"}', True),
    ("level>=warn", '{"level":"info"}', False),
    ("status=5xx", ENVOY, True),
    ("status=4xx", ENVOY, False),
    ("status!=5xx", ENVOY, False),
    ("status>=500", '{"status": 502}', True),
    ("duration<10", ENVOY, True),
    ("upstream~v3", ENVOY, True),
    ("upstream!~v3", ENVOY, False),
    ("path=/api/items", ENVOY, True),
    ("service=catalog", '{"service":"ratings"}', False),
    ("missing=1", '{"a":1}', False),
])
def test_field_filters(expr: str, raw: str, expected: bool) -> None:
    assert FieldFilter.parse(expr).matches(line(raw)) is expected


@pytest.mark.parametrize("expr,message", [
    ("status=abc", "status must be an HTTP status 100-599 or a class 1xx-5xx in 'status=abc' (got 'abc')"),
    ("status=999", "status must be an HTTP status 100-599 or a class 1xx-5xx in 'status=999' (got '999')"),
    ("status>=5xx", "status must be an HTTP status 100-599 in 'status>=5xx' (got '5xx')"),
    ("duration>abc", "duration must be a number of milliseconds >= 0 in 'duration>abc' (got 'abc')"),
    ("duration<-1", "duration must be a number of milliseconds >= 0"),
    ("duration>nan", "duration must be a number of milliseconds >= 0"),
])
def test_numeric_field_filters_reject_values_that_match_nothing(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FieldFilter.parse(expr)
    with pytest.raises(UsageError, match=re.escape(message)):  # the query box's parser says the same
        parse_query(f"-n shop {expr}")


def test_queries_parse_like_the_flags() -> None:
    q = parse_query("-n shop -l 'app in (catalog)' catalog-v -c '^catalog$' --sidecars --since 5m --tail 20 "
                    "-i GET -e healthz --highlight 500 level>=warn status=5xx")
    assert (q.namespace, q.selector, q.pod_pattern, q.containers, q.sidecars, q.since_seconds, q.tail) == \
        ("shop", "app in (catalog)", "catalog-v", "^catalog$", True, 300, 20)
    assert q.field_filters == ("level>=warn", "status=5xx") and q.highlight == "500"
    assert parse_query("deploy/catalog-v1").workload == "deploy/catalog-v1"
    assert parse_query("pod/x").pod_name == "x"
    assert parse_duration("1h30m") == 5400
    assert parse_query("--since 0s").since_seconds is None  # as kubectl: 0 is no limit
    assert parse_query(q.describe()) == q  # the query box shows what parses back
    for bad, message in (("--tail many", "--tail must be -1 (all lines) or 0 to 1,000,000,000 lines (got 'many')"),
                         ("-c (", "bad container regex '('"), ("--bogus", "unrecognized arguments: --bogus"),
                         ("-n", "argument -n/--namespace: expected one argument"), ("'unclosed", "No closing quotation"),
                         ("cat[", "bad pod regex 'cat['"), ("a b", "one pod query at a time"),
                         ("--tail -5", "--tail must be -1 (all lines)"), ("--since ''", "not a duration: ''"),
                         ("--since ５m", "not a duration: '５m'"),
                         ("-l app=(", "bad label selector 'app=(': expected a value, found '('")):
        with pytest.raises(UsageError, match=re.escape(message)):
            parse_query(bad)


GOOD_SELECTORS = ["app=catalog", "app==catalog", "app!=x", "app", "!app", "app in (a,b)", "app notin (a)",
                  "a=b,c!=d, e in (x, y)", "app=", "example.com/app=x", "x>5", "x<-1", " app = catalog ",
                  "version in (v1,v2),app=catalog"]
BAD_SELECTORS = {"app=(": "expected a value, found '('", "app in ()": "'in' needs at least one value",
                 "=x": "expected a label key", "app=x,": "ends with ','", "app in a": "in parentheses",
                 "app=x y": "expected ','", "-bad=x": "is not a label key", "app=-x": "is not a label value",
                 "x>y": "needs an integer", "a/b/c=x": "must be a DNS subdomain", "app in (a": "')' is expected",
                 "!": "a label key is expected", "app !x": "is not an operator", "a" * 64 + "=x": "is not a label key",
                 "app=" + "v" * 64: "is not a label value"}


@pytest.mark.parametrize("selector", GOOD_SELECTORS)
def test_label_selectors_the_api_server_takes_are_taken(selector: str) -> None:
    from meshtui.domain.selectors import check_label_selector

    check_label_selector(selector)


@pytest.mark.parametrize(("selector", "message"), BAD_SELECTORS.items())
def test_label_selectors_the_api_server_refuses_are_refused_first(selector: str, message: str) -> None:
    from meshtui.domain.selectors import SelectorSyntaxError, check_label_selector

    with pytest.raises(SelectorSyntaxError, match=re.escape(message)):
        check_label_selector(selector)
