"""Log lines: untrusted text made inert, parsed when needed, filtered by fields.

Lines come from any container, so they are hostile until proven otherwise: what a
terminal sees passes `meshtui.domain.text.inert` (escape sequences, C0/C1 controls and
bidi overrides shown, never obeyed); invalid UTF-8 becomes U+FFFD. JSON lines and Envoy
access-log lines are parsed lazily into fields (level, msg, status, duration, upstream,
request id...) so a plain `meshtui logs` never pays for parsing it does not show. A
line knows its container instance (restart count); a restart marker is a line too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from meshtui.domain.user_regex import STREAM_GIVE_UP, Searcher, UserRegex, UserRegexError

SIDECARS = {"istio-proxy", "istio-validation", "linkerd-proxy", "linkerd-init", "envoy", "envoy-sidecar",
            "vault-agent", "cloud-sql-proxy", "otel-collector"}
DISPLAY_LIMIT = 2000


def decode(raw: bytes) -> str:
    """Bytes -> text; invalid UTF-8 becomes U+FFFD (never an exception)."""
    return raw.decode("utf-8", errors="replace")


def truncate(text: str, limit: int = DISPLAY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [+{len(text) - limit} chars]"


def marker_text(container: str, instance: int, reason: str = "") -> str:
    """The line that separates two instances of a container in the output."""
    why = f", {reason}" if reason else ""
    return f"── {container} restarted (#{instance}{why}) ──"


ENVOY = re.compile(
    r'^\[(?P<start>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) (?P<protocol>[^"]*)" (?P<status>\d+) (?P<flags>\S+) '
    r'(?P<details>\S+) (?P<termination>\S+) "(?P<failure>[^"]*)" (?P<bytes_received>\d+) (?P<bytes_sent>\d+) '
    r'(?P<duration>\d+) (?P<upstream_time>\S+) "(?P<forwarded_for>[^"]*)" "(?P<user_agent>[^"]*)" '
    r'"(?P<request_id>[^"]*)" "(?P<authority>[^"]*)" "(?P<upstream_host>[^"]*)" (?P<upstream_cluster>\S+) '
    r'(?P<upstream_local>\S+) (?P<downstream_local>\S+) (?P<downstream_remote>\S+) (?P<sni>\S+) (?P<route>\S+)')
_REQUEST_ID_KEYS = ("request_id", "requestId", "x-request-id", "x_request_id", "rid", "trace_id", "traceId")
_REQUEST_ID_TEXT = re.compile(r"(?:request_id|x-request-id|requestId)[=:]\s*\"?([A-Za-z0-9_.:-]{6,})")
LEVELS = {"trace": 0, "debug": 1, "info": 2, "notice": 2, "warn": 3, "warning": 3, "error": 4, "err": 4,
          "critical": 5, "fatal": 5, "panic": 5}
_LEVEL_TEXT = re.compile(r"\b(trace|debug|info|warn(?:ing)?|error|fatal|panic)\b", re.IGNORECASE)


def parse_envoy(line: str) -> dict[str, Any] | None:
    """Fields of an Istio default-format access-log line, or None."""
    if not line.startswith("["):
        return None
    match = ENVOY.match(line)
    if not match:
        return None
    fields: dict[str, Any] = {k: v for k, v in match.groupdict().items()}
    fields["status"] = int(fields["status"])
    fields["duration"] = int(fields["duration"])
    cluster = fields["upstream_cluster"].split("|")
    if len(cluster) == 4:
        fields["direction"], fields["port"], fields["subset"], fields["host"] = cluster
    fields["level"] = "error" if fields["status"] >= 500 else "warn" if fields["status"] >= 400 else "info"
    fields["msg"] = f'{fields["method"]} {fields["path"]} {fields["status"]}'
    return fields


def parse_json(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@dataclass(slots=True)
class LogLine:
    """One line from one container, tagged with where it came from."""

    namespace: str
    pod: str
    container: str
    version: str
    ts: int
    """Nanoseconds since the epoch, from the kubelet's timestamp."""
    raw: str
    """The full line as received (decoded), for save and copy."""
    seq: int = 0
    instance: int = 0
    """The container instance (its restart count when the line was written)."""
    marker: str | None = None
    """Set on the line meshtui inserts where a container restarted (`restarted`); None for real lines."""
    _parsed: Any = field(default=None, repr=False)

    @property
    def fields(self) -> dict[str, Any] | None:
        """Parsed JSON or Envoy fields (computed once, on first use)."""
        if self.marker is not None:
            return None
        if self._parsed is None:
            self._parsed = parse_json(self.raw) or parse_envoy(self.raw) or False
        return self._parsed or None

    @property
    def kind(self) -> str:
        fields = self.fields
        if fields is None:
            return "text"
        return "envoy" if "upstream_cluster" in fields else "json"

    @property
    def request_id(self) -> str | None:
        fields = self.fields
        if fields:
            for key in _REQUEST_ID_KEYS:
                value = fields.get(key)
                if value and value != "-":
                    return str(value)
        match = _REQUEST_ID_TEXT.search(self.raw)
        return match.group(1) if match else None

    @property
    def level(self) -> str | None:
        fields = self.fields
        if fields:
            for key in ("level", "severity", "lvl", "loglevel"):
                value = fields.get(key)
                if isinstance(value, str):
                    return value.lower()
        match = _LEVEL_TEXT.search(self.raw[:80])
        return match.group(1).lower() if match else None

    def display(self, limit: int = DISPLAY_LIMIT) -> str:
        """Inert, truncated text for a terminal."""
        from meshtui.domain.text import inert

        return truncate(inert(self.raw), limit)

    def to_dict(self, with_fields: bool = True) -> dict[str, Any]:
        """The line for `--json`: exact text, its instance (restart count); a marker carries `event` instead."""
        from meshtui.domain.timefmt import format_ns

        out: dict[str, Any] = {"namespace": self.namespace, "pod": self.pod, "container": self.container,
                               "version": self.version, "instance": self.instance}
        if self.marker is not None:
            out["event"] = self.marker
            return out
        out["ts"] = format_ns(self.ts)
        out["line"] = self.raw
        if with_fields:
            fields = self.fields
            if fields:
                out["fields"] = fields
            rid = self.request_id
            if rid:
                out["request_id"] = rid
        return out


_FIELD_FILTER = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*(>=|<=|!=|=~|!~|==|=|>|<|~)\s*(.+?)\s*$")


@dataclass(frozen=True)
class FieldFilter:
    """`level>=warn`, `status=5xx`, `duration>200`, `path~^/api`, `upstream!~v3`."""

    name: str
    op: str
    value: str
    rx: UserRegex | None = field(default=None, compare=False, repr=False)
    """`~`/`!~`: the value as a user regex, a line that takes too long counts as not matching."""

    def __post_init__(self) -> None:
        if self.op in ("~", "!~") and self.rx is None:
            object.__setattr__(self, "rx", UserRegex(self.value, concurrent=True, give_up=STREAM_GIVE_UP))

    @classmethod
    def parse(cls, text: str) -> FieldFilter:
        match = _FIELD_FILTER.match(text)
        if not match:
            raise ValueError(f"not a field filter: {text!r} (try level>=warn, status=5xx, duration>100)")
        name, op, value = match.groups()
        op = {"==": "=", "=~": "~"}.get(op, op)
        if value[:1] in "=<>!~":
            raise ValueError(f"not a field filter: {text!r} (one operator: =, !=, >, >=, <, <=, ~, !~)")
        if name == "level" and op in (">", ">=", "<", "<=") and value.lower() not in LEVELS:
            raise ValueError(f"unknown level {value!r} in {text!r} (trace, debug, info, warn, error, fatal)")
        if op in ("~", "!~"):
            try:
                UserRegex(value)
            except UserRegexError as exc:
                raise ValueError(f"bad regex in {text!r}: {exc}") from None
        else:
            _check_number(name, op, value, text)
        return cls(name, op, value)

    def _get(self, line: LogLine) -> Any:
        if self.name == "level":
            return line.level
        fields = line.fields or {}
        if self.name in fields:
            return fields[self.name]
        aliases = {"upstream": "upstream_cluster", "rid": "request_id", "message": "msg", "duration": "duration_ms"}
        return fields.get(aliases.get(self.name, ""), None)

    def matches(self, line: LogLine) -> bool:
        value = self._get(line)
        if value is None:
            return self.op in ("!=", "!~")
        if self.name == "level" and self.value.lower() in LEVELS:
            have, want = LEVELS.get(str(value).lower(), -1), LEVELS[self.value.lower()]
            return _compare(have, self.op, want)
        if re.fullmatch(r"[1-5]xx", self.value) and self.op in ("=", "!="):
            hit = str(value).isdigit() and str(value)[0] == self.value[0] and len(str(value)) == 3
            return hit if self.op == "=" else not hit
        if self.op in ("~", "!~"):
            found = self.rx is not None and self.rx.search(str(value)) is not None
            return found if self.op == "~" else not found
        try:
            return _compare(float(value), self.op, float(self.value))
        except (TypeError, ValueError):
            return _compare(str(value), self.op, self.value)


def _check_number(name: str, op: str, value: str, text: str) -> None:
    """`status` and `duration` compare numbers: a value that cannot be one would silently match nothing."""
    if name == "status":
        if op in ("=", "!=") and re.fullmatch(r"[1-5]xx", value):
            return
        if not (value.isascii() and value.isdigit() and 100 <= int(value) <= 599):
            allowed = "an HTTP status 100-599" + (" or a class 1xx-5xx" if op in ("=", "!=") else "")
            raise ValueError(f"status must be {allowed} in {text!r} (got {value!r})")
    elif name in ("duration", "duration_ms"):
        try:
            number = float(value) if value.isascii() else -1.0
        except ValueError:
            number = -1.0
        if not number >= 0:  # also NaN
            raise ValueError(f"{name} must be a number of milliseconds >= 0 in {text!r} (got {value!r})")


def _compare(a: Any, op: str, b: Any) -> bool:
    try:
        return {"=": a == b, "!=": a != b, ">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
    except TypeError:
        return False


@dataclass
class LineFilter:
    """Include/exclude regexes on the text plus field filters; all must pass."""

    include: Searcher | None = None
    exclude: Searcher | None = None
    fields: list[FieldFilter] = field(default_factory=list)

    def matches(self, line: LogLine) -> bool:
        if self.include is not None and not self.include.search(line.raw):
            return False
        if self.exclude is not None and self.exclude.search(line.raw):
            return False
        return all(f.matches(line) for f in self.fields)

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude or self.fields)


def is_sidecar(container: str, declared: set[str] | frozenset[str] = frozenset(), containers: int = 2) -> bool:
    """A helper container beside the app; a pod's only container (a gateway's istio-proxy) is the app."""
    if containers <= 1:
        return False
    return container in SIDECARS or container in declared
