"""What to tail: pods by selector, name regex or workload; containers; lines; window.

`LogQuery` is filled from `meshtui logs` flags or parsed from the Logs panel's query
bar, whose syntax mirrors the flags: `-n shop`, `-A`, `-l app=catalog`,
`deploy/catalog-v1`, `pod/NAME`, `-c REGEX`, `--sidecars`, `--since 5m`, `--tail 100`,
`-i REGEX`, `-e REGEX`, `-h REGEX`, `level>=warn`, `status=5xx`; a bare word is a
regex on pod names.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace

from meshtui.domain.errors import UsageError
from meshtui.domain.logs import FieldFilter, LineFilter

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """`90s`, `5m`, `1h30m`, `2h` -> seconds."""
    match = _DURATION.match(text.strip())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(f"not a duration: {text!r} (use 30s, 5m, 1h)")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _regex(text: str | None, what: str) -> re.Pattern[str] | None:
    if not text:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise UsageError(f"bad {what} regex {text!r}: {exc}") from None


@dataclass(frozen=True)
class LogQuery:
    """Which containers to read and which lines to keep."""

    namespace: str | None = None
    all_namespaces: bool = False
    selector: str | None = None
    pod_pattern: str | None = None
    pod_name: str | None = None
    workload: str | None = None
    containers: str | None = None
    exclude_containers: str | None = None
    sidecars: bool = False
    since_seconds: int | None = None
    tail: int | None = None
    include: str | None = None
    exclude: str | None = None
    highlight: str | None = None
    field_filters: tuple[str, ...] = field(default_factory=tuple)
    timestamps: bool = False
    follow: bool = True

    def line_filter(self) -> LineFilter:
        try:
            fields = [FieldFilter.parse(f) for f in self.field_filters]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return LineFilter(_regex(self.include, "include"), _regex(self.exclude, "exclude"), fields)

    def pod_regex(self) -> re.Pattern[str] | None:
        return _regex(self.pod_pattern, "pod")

    def container_regexes(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        return _regex(self.containers, "container"), _regex(self.exclude_containers, "container exclude")

    def highlight_regex(self) -> re.Pattern[str] | None:
        return _regex(self.highlight, "highlight")

    def effective_tail(self) -> int | None:
        """kubectl's default: everything for one pod, the last 10 lines per container otherwise."""
        if self.tail is not None:
            return None if self.tail < 0 else self.tail
        if self.pod_name:
            return None
        return 10 if self.follow and self.since_seconds is None else None

    def validate(self) -> LogQuery:
        self.line_filter()
        self.pod_regex()
        self.container_regexes()
        self.highlight_regex()
        if self.workload and not re.fullmatch(r"(deploy|deployment|deployments)/[a-z0-9.-]+", self.workload):
            raise UsageError(f"unknown workload {self.workload!r}; use deploy/NAME")
        return self

    def describe(self) -> str:
        parts = []
        if self.all_namespaces:
            parts.append("-A")
        elif self.namespace:
            parts.append(f"-n {self.namespace}")
        for flag, value in (("-l", self.selector), ("", self.workload), ("", self.pod_name and f"pod/{self.pod_name}"),
                            ("", self.pod_pattern), ("-c", self.containers), ("-i", self.include),
                            ("-e", self.exclude), ("-h", self.highlight)):
            if value:
                parts.append(f"{flag} {value}".strip())
        parts += list(self.field_filters)
        if self.sidecars:
            parts.append("--sidecars")
        if self.since_seconds:
            parts.append(f"--since {self.since_seconds}s")
        if self.tail is not None:
            parts.append(f"--tail {self.tail}")
        return " ".join(parts) or "(all pods)"


FLAGS_WITH_VALUE = {"-n": "namespace", "--namespace": "namespace", "-l": "selector", "--selector": "selector",
                    "-c": "containers", "--container": "containers", "--exclude-container": "exclude_containers",
                    "-i": "include", "--include": "include", "-e": "exclude", "--exclude": "exclude",
                    "-h": "highlight", "--highlight": "highlight", "--since": "since_seconds", "--tail": "tail"}


def parse_query(text: str, base: LogQuery | None = None) -> LogQuery:
    """The Logs panel's query bar -> LogQuery (raises UsageError with a precise message)."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot parse query: {exc}") from None
    values: dict[str, object] = {}
    filters: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in FLAGS_WITH_VALUE:
            if i + 1 >= len(tokens):
                raise UsageError(f"{token} needs a value")
            name, value = FLAGS_WITH_VALUE[token], tokens[i + 1]
            if name == "since_seconds":
                values[name] = parse_duration(value)
            elif name == "tail":
                try:
                    values[name] = int(value)
                except ValueError:
                    raise UsageError(f"--tail needs a number, not {value!r}") from None
            else:
                values[name] = value
            i += 2
            continue
        if token in ("-A", "--all-namespaces"):
            values["all_namespaces"] = True
        elif token == "--sidecars":
            values["sidecars"] = True
        elif token == "--timestamps":
            values["timestamps"] = True
        elif token.startswith(("deploy/", "deployment/")):
            values["workload"] = token
        elif token.startswith("pod/"):
            values["pod_name"] = token[4:]
        elif re.match(r"^[A-Za-z_][\w.-]*\s*(>=|<=|!=|=~|!~|==|=|>|<|~)", token):
            filters.append(token)
        elif token.startswith("-"):
            raise UsageError(f"unknown option {token!r} in the query")
        else:
            values["pod_pattern"] = token
        i += 1
    start = base or LogQuery()
    query = LogQuery(namespace=start.namespace, all_namespaces=start.all_namespaces, follow=start.follow,
                     timestamps=start.timestamps, sidecars=start.sidecars)
    query = replace(query, **values, field_filters=tuple(filters))  # type: ignore[arg-type]
    return query.validate()
