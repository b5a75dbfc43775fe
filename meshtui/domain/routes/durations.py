"""Durations as Istio reads them: Go's `time.ParseDuration` syntax, then Istio's own minimum.

Istio decodes the duration strings of VirtualService and DestinationRule fields (timeout,
perTryTimeout, fixedDelay, interval, baseEjectionTime, ...) with the legacy protobuf JSON
decoder, which hands them to Go's `time.ParseDuration`: an optional sign, then one or
more decimal numbers each followed by a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), or
the bare `0`. Its validating webhook then rejects anything under 1ms and anything that
is not a whole number of milliseconds. `5` (no unit), `1.5ms` and `500us` are therefore
all rejected by a real istiod; this module says which rule a string breaks and why.
"""

from __future__ import annotations

from fractions import Fraction

NANOSECONDS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
               "m": 60_000_000_000, "h": 3_600_000_000_000}
MAX_NANOSECONDS = 2**63 - 1
MILLISECOND = 1_000_000
EXAMPLES = "e.g. 2s, 500ms, 1m30s or 1h"


class DurationError(ValueError):
    """The text is not a duration Go (and so Istio) can read; the message says why."""


def parse(text: str) -> int:
    """Nanoseconds of a Go duration string (raises `DurationError` naming the problem)."""
    if not isinstance(text, str) or not text:
        raise DurationError("empty")
    rest = text
    sign = 1
    if rest[0] in "+-":
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise DurationError("a sign needs a number and a unit after it")
    total = 0
    while rest:
        i = 0
        while i < len(rest) and rest[i].isascii() and rest[i].isdigit():
            i += 1
        whole = rest[:i]
        fraction = ""
        if i < len(rest) and rest[i] == ".":
            j = i + 1
            while j < len(rest) and rest[j].isascii() and rest[j].isdigit():
                j += 1
            fraction = rest[i + 1:j]
            i = j
        if not whole and not fraction:
            raise DurationError(f"{rest[:12]!r} does not start with a number")
        j = i
        while j < len(rest) and rest[j] != "." and not (rest[j].isascii() and rest[j].isdigit()):
            j += 1
        unit = rest[i:j]
        if not unit:
            raise DurationError("a number needs a unit")
        if unit not in NANOSECONDS:
            raise DurationError(f"unknown unit {unit!r} (units: ns, us, ms, s, m, h)")
        value = Fraction(int(whole or "0")) + (Fraction(int(fraction), 10 ** len(fraction)) if fraction else 0)
        total += int(value * NANOSECONDS[unit])  # Go truncates each term
        if total > MAX_NANOSECONDS:
            raise DurationError("too long (more than about 292 years)")
        rest = rest[j:]
    return sign * int(total)


def istio_problem(value: object) -> str | None:
    """Why Istio would reject `value` as a duration field, or None when it accepts it."""
    if not isinstance(value, str):
        return "must be a string such as 2s"
    try:
        nanoseconds = parse(value)
    except DurationError as exc:
        return f"not a duration: {exc}"
    if nanoseconds < MILLISECOND:
        return "must be at least 1ms"
    if nanoseconds % MILLISECOND:
        return "must be a whole number of milliseconds"
    return None


def milliseconds(value: str) -> int:
    """A valid Istio duration in whole milliseconds."""
    return parse(value) // MILLISECOND
