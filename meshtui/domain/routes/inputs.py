"""Typed values from what the user typed, with one message per bad value.

The CLI's flags and the Traffic panel's forms hand their raw strings to the same
`Inputs` parser, so both accept and reject exactly the same things with the same words.
Each `Problem` names the input (a field key the front end maps to its flag or form
control), the value, what is wrong in Istio's terms, and the fix. Ranges are Istio's
(`pkg/config/validation`): percentages 0-100 (and not between 0 and 0.0001), HTTP
status 200-599, non-negative int32 counts, durations of at least 1ms in whole
milliseconds, subset names that are DNS-1123 labels, header names that are HTTP tokens.

`None` means "not given" (the flag was left out, or a form field that says "empty keeps");
a value that was given but is empty is its own problem ("empty value"), never a silent
default. Numbers are ASCII digits only (`int()` would read Arabic-Indic digits too), and a
number of any length gets the range message, not "not a number". A leading `-` is read (so
a negative value gets its range message); a `+` sign or a `%` after a percentage is refused
with its own message (Istio's fields take plain numbers, and `+5` is no clearer than `5`);
leading zeros are harmless (`0503` is 503). Blanks around any value are stripped, the same
for every field (a header value, matched exactly, is taken as typed).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from meshtui.domain.routes import durations

INT32_MAX = 2**31 - 1
UINT32_MAX = 2**32 - 1
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
MAX_DIGITS = 30  # longer numbers are out of every range here; int() of thousands of digits is slow
_SUBSET = re.compile(r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?")
_NAMESPACE = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
_HEADER = re.compile(r"[!#$%&'*+\-.^_`|~A-Za-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
RETRY_ON = ("5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
            "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
            "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
            "unavailable")


@dataclass(frozen=True)
class Problem:
    """One bad input: which, what was given, what is wrong, what to do."""

    field: str
    value: str
    message: str
    fix: str

    def text(self, label: str | None = None) -> str:
        return f"{label or self.field} {quoted(self.value)}: {self.message}; {self.fix}"


class InvalidInput(ValueError):
    """One or more bad inputs (nothing was changed)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.text() for p in problems))
        self.problems = problems


def given(text: str | None) -> bool:
    return text is not None and text.strip() != ""


def _integer(raw: str) -> int | None:
    """An ASCII integer; huge values come back as +-(10**MAX_DIGITS) (out of any range here)."""
    if not _INTEGER.fullmatch(raw):
        return None
    digits = raw.lstrip("+-").lstrip("0") or "0"
    sign = -1 if raw.startswith("-") else 1
    return sign * (10**MAX_DIGITS if len(digits) > MAX_DIGITS else int(digits))


SHOWN = 80
"""At most this many characters of a value typed or read are echoed in a message."""


def quoted(value: object, limit: int = SHOWN) -> str:
    """`value` quoted for a message; a long one cut to `limit` characters and its length said, never all of it."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}…({len(text)} chars)"


def split_host(host: str) -> tuple[str, str | None]:
    """`catalog`, `catalog.shop`, `catalog.shop.svc` and `catalog.shop.svc.cluster.local` -> (catalog, shop).

    Istio reads a short host name relative to the namespace of the object, so all four
    spellings name the same Kubernetes service; meshtui keys its routes, history and pod
    versions on the short name within the namespace. Other dotted names (a host outside
    the cluster) come back unchanged, with no namespace.
    """
    parts = host.strip().removesuffix(".").split(".")
    if len(parts) == 2 or (len(parts) == 3 and parts[2] == "svc") or \
            (len(parts) == 5 and parts[2:] == ["svc", "cluster", "local"]):
        if all(parts[:2]):
            return parts[0], parts[1]
    return host, None


def namespace_problem(name: str) -> str | None:
    """Why `name` cannot be a Kubernetes namespace (a DNS-1123 label), or None."""
    if not name.strip():
        return "empty value"
    if len(name) > 63 or not _NAMESPACE.fullmatch(name):
        return "not a namespace name (lowercase letters, digits and '-', at most 63, e.g. shop)"
    return None


class Inputs:
    """Parses raw strings, collecting every problem; `check()` raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str, value: object, message: str, fix: str) -> None:
        self.problems.append(Problem(field, "" if value is None else str(value), message, fix))

    def check(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)

    def text(self, field: str, text: str | None, fix: str) -> str | None:
        """The stripped value; None when not given, or (with a problem) when given empty."""
        if text is None:
            return None
        raw = text.strip()
        if not raw:
            self.add(field, text, "empty value", fix)
            return None
        return raw

    def signs(self, field: str, text: str | None, raw: str, *, percent: bool = False) -> bool:
        """False (with a problem) for a `+` sign, or a `%` after a percentage: plain numbers only."""
        plain = raw.lstrip("+").removesuffix("%").strip() if percent else raw.lstrip("+")
        if raw.startswith("+"):
            self.add(field, text, "no '+' sign: give the plain number", f"write {plain or 'a number'}")
            return False
        if percent and raw.endswith("%"):
            self.add(field, text, "no '%' sign: the value is already a percentage", f"write {plain or 'a number'}")
            return False
        return True

    def integer(self, field: str, text: str | None, *, minimum: int, maximum: int = INT32_MAX,
                example: int, why: str = "") -> int | None:
        raw = self.text(field, text, f"give a whole number, e.g. {example}")
        if raw is None or not self.signs(field, text, raw):
            return None
        value = _integer(raw)
        if value is None:
            self.add(field, text, "not a whole number", f"use e.g. {example}")
            return None
        if value < minimum:
            self.add(field, text, f"must be at least {minimum}{why}", f"use e.g. {example}")
            return None
        if value > maximum:
            self.add(field, text, f"must be at most {maximum}", f"use e.g. {example}")
            return None
        return value

    def percent(self, field: str, text: str | None, *, example: str = "10") -> float | None:
        raw = self.text(field, text, f"give a percentage from 0 to 100, e.g. {example}")
        if raw is None or not self.signs(field, text, raw, percent=True):
            return None
        number = raw
        if not _DECIMAL.fullmatch(number):
            self.add(field, text, "not a number", f"give a percentage from 0 to 100, e.g. {example}")
            return None
        value = float(number) + 0.0  # -0 is 0: never write -0.0
        if not math.isfinite(value) or not 0 <= value <= 100:
            self.add(field, text, "a percentage must be within 0-100", f"e.g. {example}")
            return None
        if 0 < value < 0.0001:
            self.add(field, text, "Istio takes 0 or at least 0.0001", "use 0 or a larger share")
            return None
        return value

    def status(self, field: str, text: str | None) -> int | None:
        raw = self.text(field, text, "give an HTTP status within 200-599, e.g. 503")
        if raw is None or not self.signs(field, text, raw):
            return None
        value = _integer(raw)
        if value is None:
            self.add(field, text, "not an HTTP status code", "use a status within 200-599, e.g. 503")
            return None
        if not 200 <= value <= 599:
            self.add(field, text, "an HTTP status must be within 200-599", "e.g. 503 or 500")
            return None
        return value

    def duration(self, field: str, text: str | None, *, example: str = "2s") -> str | None:
        raw = self.text(field, text, f"give a duration such as {example}")
        if raw is None:
            return None
        problem = durations.istio_problem(raw)
        if problem is not None:
            self.add(field, text, problem, f"use a duration such as {example} ({durations.EXAMPLES})")
            return None
        return raw

    def subset(self, field: str, text: str | None, known: list[str] | None = None) -> str | None:
        raw = self.text(field, text, "give a subset name, e.g. v2")
        if raw is None:
            return None
        if known is not None and raw not in known:
            names = ", ".join(known) or "none"
            self.add(field, text, f"no subset {raw}", f"use one of the subsets ({names})")
            return None
        if len(raw) > 63 or not _SUBSET.fullmatch(raw):
            self.add(field, text, "a subset name is letters, digits and '-' (at most 63)", "e.g. v2")
            return None
        return raw

    def header(self, field: str, text: str | None) -> str | None:
        raw = self.text(field, text, "give a header name, e.g. end-user")
        if raw is None:
            return None
        if not _HEADER.fullmatch(raw):
            self.add(field, text, "not an HTTP header name", "use letters, digits and '-', e.g. end-user")
            return None
        return raw.lower()

    def header_value(self, field: str, text: str | None) -> str | None:
        if text is None or text == "":
            return None
        if _CONTROL.search(text):
            self.add(field, text, "control characters cannot be in a header value", "type the value as text")
            return None
        return text

    def retry_on(self, field: str, text: str | None) -> str | None:
        raw = self.text(field, text, "give retryOn policies, e.g. 5xx,connect-failure")
        if raw is None:
            return None
        policies = [p.strip() for p in raw.split(",")]
        bad = [p for p in policies if p not in RETRY_ON and not (_integer(p) is not None and p.isdigit()
                                                                  and 100 <= int(p) <= 599)]
        if bad:
            self.add(field, text, f"not a retryOn policy: {', '.join(bad)}",
                     "use a comma list of 5xx, gateway-error, connect-failure, refused-stream, reset, "
                     "retriable-4xx, unavailable, cancelled, ... or HTTP status codes")
            return None
        return ",".join(policies)
