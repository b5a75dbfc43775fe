"""RFC 3339 timestamps with nanoseconds, as the kubelet writes them (Go's RFC3339Nano).

Log streams carry `2026-11-24T16:00:00.1234Z` prefixes with trailing zeros trimmed;
resuming a stream without losing or repeating lines depends on reading them exactly.
"""

from __future__ import annotations

import calendar
import time


def format_ns(ns: int) -> str:
    """Nanoseconds since the epoch -> Go's time.RFC3339Nano in UTC."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{frac:09d}".rstrip("0")
    return f"{base}.{digits}Z" if digits else f"{base}Z"


def parse_ns(text: str) -> int:
    """RFC 3339 (any fraction length, Z or an offset) -> nanoseconds since the epoch.

    Raises ValueError on anything else.
    """
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1]
    offset = 0
    sign_at = max(text.rfind("+", 19), text.rfind("-", 19))
    if sign_at > 0:
        hours, _, minutes = text[sign_at + 1:].partition(":")
        offset = (int(hours) * 3600 + int(minutes or 0) * 60) * (1 if text[sign_at] == "+" else -1)
        text = text[:sign_at]
    main, _, frac = text.partition(".")
    if not frac.isdigit() and frac:
        raise ValueError(f"bad fraction in {text!r}")
    seconds = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) - offset
    return seconds * 1_000_000_000 + int((frac + "000000000")[:9])
