"""Reading the kubelet's `timestamps=true` prefixes straight from bytes.

A stamped line is `2026-11-24T16:00:00.123456789Z text\\n`. Resuming a stream without
losing or repeating lines needs the exact nanosecond of the last line delivered, and
the CLI's fast path must not build a Python object per line: so a chunk of complete
lines is handled as one `bytes`, and only the stamps that matter (the first lines of
a resumed stream, the last line of a chunk) are parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

_SECOND_CACHE: dict[bytes, int] = {}


def fast_ts(stamp: bytes) -> int:
    """`2026-11-24T16:00:00.1234Z` -> ns since the epoch (-1 when it is not a stamp); seconds are cached."""
    head = stamp[:19]
    seconds = _SECOND_CACHE.get(head)
    if seconds is None:
        try:
            seconds = int(datetime.fromisoformat(head.decode("ascii")).replace(tzinfo=timezone.utc).timestamp())
        except (ValueError, UnicodeDecodeError):
            return -1
        if len(_SECOND_CACHE) > 4096:
            _SECOND_CACHE.clear()
        _SECOND_CACHE[head] = seconds
    if len(stamp) == 20:
        return seconds * 1_000_000_000
    frac = stamp[20:-1] if stamp[19:20] == b"." and stamp[-1:] in (b"Z", b"z") else b""
    if not frac.isdigit():
        return seconds * 1_000_000_000 if stamp[19:] in (b"Z", b"z") else -1
    return seconds * 1_000_000_000 + int((frac + b"000000000")[:9])


def stamp_at(data: bytes, start: int) -> tuple[int, int]:
    """(ns, index just past the line's end) for the stamped line that starts at `start`."""
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end + 1
    space = data.find(b" ", start, end)
    return fast_ts(data[start:space if space >= 0 else end - 1]), end


def split_stamped(raw: bytes, errors: str = "replace") -> tuple[int, str]:
    """One stamped line -> (ns, decoded text without the newline); an unstamped line keeps ts 0.
    `errors`: how bytes that are not UTF-8 are decoded (U+FFFD, or `surrogateescape` to keep them)."""
    stamp, _, rest = raw.partition(b" ")
    ts = fast_ts(stamp)
    if ts < 0:
        return 0, raw.rstrip(b"\n").decode("utf-8", errors)
    return ts, rest.rstrip(b"\n").decode("utf-8", errors)


@dataclass(frozen=True)
class Position:
    """Where a reader stands in one container instance: the last line's ns and how many lines share it."""

    ts: int
    same: int = 1


def advance(position: Position | None, data: bytes) -> Position | None:
    """The position after delivering `data` (complete stamped lines)."""
    if not data:
        return position
    last_start = data.rfind(b"\n", 0, len(data) - 1) + 1
    space = data.find(b" ", last_start)
    stamp = data[last_start:space] if space >= 0 else b""
    ts = fast_ts(stamp)
    if ts < 0:
        return position
    same = 1
    start = last_start
    prefix = stamp + b" "
    while start > 0:  # lines sharing the last stamp (rare: the kubelet stamps in ns)
        previous = data.rfind(b"\n", 0, start - 1) + 1
        if not data.startswith(prefix, previous):
            break
        same += 1
        start = previous
    if start == 0 and position is not None and position.ts == ts:
        same += position.same
    return Position(ts, same)
