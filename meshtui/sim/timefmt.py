"""Time as the API server writes and reads it, with the sim's own code (not the product's).

Kubernetes serialises `metav1.Time` as RFC 3339 with second precision in UTC
(`2025-11-24T16:00:00Z`), log timestamps as Go's `time.RFC3339Nano` (fraction with
trailing zeros trimmed), and parses query parameters such as `sinceTime` with Go's
`time.Parse(time.RFC3339, ...)`: `YYYY-MM-DDTHH:MM:SS`, an optional `.` fraction of
any length (digits past nanoseconds are dropped), then `Z` or `+hh:mm`/`-hh:mm`,
every field range-checked. `human_duration` is apimachinery's `HumanDuration`, the
text of every AGE column kubectl prints.
"""

from __future__ import annotations

import calendar
import re
import time

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})")
NS = 1_000_000_000


def now_iso(at: float | None = None) -> str:
    """`metav1.Time` for now (or epoch seconds `at`): RFC 3339, seconds, UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))


def format_ns(ns: int) -> str:
    """Nanoseconds since the epoch as Go's RFC3339Nano in UTC (trailing zeros trimmed)."""
    seconds, frac = divmod(ns, NS)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{frac:09d}".rstrip("0")
    return f"{base}.{digits}Z" if digits else f"{base}Z"


def parse_ns(text: str) -> int:
    """RFC 3339 as Go's `time.Parse(time.RFC3339, text)` accepts it -> ns since the epoch.

    Raises ValueError for anything Go rejects (lowercase `t`/`z`, missing zone, month 13,
    February 30, a zone hour above 23, surrounding spaces...).
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"parsing time {text!r} as RFC 3339 failed")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"parsing time {text!r}: day or month out of range")
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"parsing time {text!r}: hour, minute or second out of range")
    fraction = (match.group(7) or "")[:9].ljust(9, "0")
    zone = match.group(8)
    offset = 0
    if zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 23 or zone_minutes > 59:
            raise ValueError(f"parsing time {text!r}: time zone offset out of range")
        offset = (zone_hours * 3600 + zone_minutes * 60) * (1 if zone[0] == "+" else -1)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    return seconds * NS + int(fraction)


def parse_seconds(text: object) -> float | None:
    """A `metav1.Time` field as epoch seconds, or None when absent or not RFC 3339."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_ns(text) / NS
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """apimachinery's HumanDuration: 2-3 significant figures (`45s`, `3m12s`, `5h3m`, `3d4h`, `2y30d`).

    Up to 2 s in the future reads as `0s` (clock skew); further is `<invalid>`.
    """
    whole = int(seconds)  # Go truncates toward zero
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def since(stamp: object, now: float | None = None) -> str:
    """kubectl's `translateTimestampSince`: `<unknown>` for a missing time, else its age."""
    seconds = parse_seconds(stamp)
    if seconds is None:
        return "<unknown>"
    return human_duration((time.time() if now is None else now) - seconds)
