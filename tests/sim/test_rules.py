"""The sim's own renderings of Kubernetes and Go rules, checked against known outputs of the real ones."""

from __future__ import annotations

import pytest

from meshtui.sim import names
from meshtui.sim.decoding import CorruptInput, go_b64decode
from meshtui.sim.errors import go_quote
from meshtui.sim.printers import format_selector, pod_cells
from meshtui.sim.timefmt import parse_ns


@pytest.mark.parametrize("text,quoted", [
    ("plain", '"plain"'), ("\x1b[31mred", '"\\x1b[31mred"'), ("a\nb\tc", '"a\\nb\\tc"'), ('say "hi"\\', '"say \\"hi\\"\\\\"'),
    ("\x7f\x00", '"\\x7f\\x00"'), ("\u009bC1", '"\\u009bC1"'), ("\u202eRTL", '"\\u202eRTL"'), ("café 😀", '"café 😀"'),
    ("\U000e0001tag", '"\\U000e0001tag"'), ("\u00a0nbsp", '"\\u00a0nbsp"'),
])
def test_values_are_quoted_as_go_quotes_them(text: str, quoted: str) -> None:
    assert go_quote(text) == quoted


def test_dns_names() -> None:
    assert names.dns1123_label("my-name") == [] and names.dns1123_label("123-abc") == []
    assert names.dns1123_label("with.dots") == ["must not contain dots"]
    assert names.dns1123_label("x" * 64) == ["must be no more than 63 characters"]
    assert names.dns1123_subdomain("a.b-c.d") == [] and len(names.dns1123_subdomain("-a")) == 1
    assert names.dns1123_subdomain("a" * 254)[0] == "must be no more than 253 characters"
    assert names.dns1035_label("abc-123") == [] and names.dns1035_label("1abc")[0].startswith("a DNS-1035 label")
    assert names.dns1123_label("name\n") != []  # no `$`-before-newline loophole
    assert names.check_name("Pod", "web-", prefix=True) == []  # a generateName prefix may end in '-'
    assert names.check_name("Event", "any thing\x1b") == []
    assert names.check_name("Event", "a/b") == ["may not contain '/'"]


@pytest.mark.parametrize("key,errors", [
    ("app", 0), ("example.com/MyName", 0), ("app.kubernetes.io/name", 0), ("a/b/c", 1), ("/x", 1), ("x/", 2),
    ("Bad_Prefix/x", 1), ("-x", 1), ("x" * 64, 1), ("-" * 64, 2),
])
def test_qualified_names(key: str, errors: int) -> None:
    assert len(names.qualified_name(key)) == errors


def test_label_values_ports_and_keys() -> None:
    assert names.label_value("") == [] and names.label_value("v1.2_3-x") == []
    assert names.label_value("-x") != [] and names.label_value("v" * 64)[0] == "must be no more than 63 characters"
    assert names.port_name("http") == [] and names.port_name("http-2") == []
    assert names.port_name("123") == ["must contain at least one letter (a-z)"]
    assert names.port_name("a--b") == ["must not contain consecutive hyphens"]
    assert "must be no more than 15 characters" in names.port_name("a" * 16)
    assert names.port_number(65535) == [] and names.port_number(0) == ["must be between 1 and 65535, inclusive"]
    assert names.config_map_key("..") == ["must not be '..'"]
    assert names.config_map_key("..x") == ["must not start with '..'"]
    assert names.config_map_key("tls.crt") == [] and names.config_map_key("a/b") != []
    assert names.env_var_name("1_IS_FINE.now") == [] and names.env_var_name("A=B") != []


@pytest.mark.parametrize("text,decoded", [("", b""), ("YWJj", b"abc"), ("YQ==", b"a"), ("YWI=", b"ab"),
                                          ("YW\nJj", b"abc"), ("YQ==\r\n", b"a")])
def test_base64_as_go_decodes_it(text: str, decoded: bytes) -> None:
    assert go_b64decode(text.encode()) == decoded


@pytest.mark.parametrize("text,offset", [("admin", 4), ("YQ", 0), ("YQ=", 3), ("Y===", 1), ("YQ==YQ==", 4),
                                         ("YQ=x", 2), ("ab!d", 2)])
def test_base64_errors_name_the_byte(text: str, offset: int) -> None:
    with pytest.raises(CorruptInput) as info:
        go_b64decode(text.encode())
    assert str(info.value) == f"illegal base64 data at input byte {offset}"


@pytest.mark.parametrize("text,ns", [
    ("2025-11-24T16:00:00Z", 1_764_000_000_000_000_000), ("2025-11-24T17:30:00+01:30", 1_764_000_000_000_000_000),
    ("2025-11-24T16:00:00.123456789987Z", 1_764_000_000_123_456_789), ("2025-11-24T16:00:00.5-00:00",
                                                                          1_764_000_000_500_000_000),
])
def test_rfc3339_as_go_parses_it(text: str, ns: int) -> None:
    assert parse_ns(text) == ns


@pytest.mark.parametrize("text", ["2025-11-24t16:00:00Z", "2025-11-24T16:00:00", "2025-02-30T00:00:00Z",
                                  " 2025-11-24T16:00:00Z", "2025-11-24T16:00:00Z\n", "2025-11-24T24:00:00Z",
                                  "2025-11-24T16:00:00+24:00", "2025-11-24T16:00:00.Z"])
def test_rfc3339_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ns(text)


def test_selector_and_pod_cells() -> None:
    selector = {"matchLabels": {"b": "2", "a": "1"}, "matchExpressions": [{"key": "c", "operator": "In",
                                                                           "values": ["y", "x"]}]}
    assert format_selector(selector) == "a=1,b=2,c in (x,y)" and format_selector({}) == "<none>"
    pod = {"metadata": {"name": "p", "deletionTimestamp": "2025-01-01T00:00:00Z"},
           "spec": {"containers": [{"name": "a"}]},
           "status": {"phase": "Succeeded", "containerStatuses": [{"name": "a", "state": {"terminated": {
               "exitCode": 0, "reason": "Completed"}}}]}}
    assert pod_cells(pod, 0)[2] == "Completed"  # a finished pod never reads Terminating
    pod["status"]["containerStatuses"][0]["state"] = {"terminated": {"exitCode": 137, "signal": 9}}
    pod["status"]["phase"] = "Failed"
    assert pod_cells(pod, 0)[2] == "Signal:9"
