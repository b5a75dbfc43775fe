"""kubectl's time rules in meshtui's columns: ages as kubectl's HumanDuration prints them, RFC 3339 offsets."""

from __future__ import annotations

import pytest

from meshtui.domain.workloads import human_age, parse_time


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (185, "3m5s"), (600, "10m"),
    (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
    (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"), (729 * 86400, "729d"), (730 * 86400, "2y"),
    (745 * 86400, "2y15d"), (8 * 365 * 86400, "8y"), (9 * 365 * 86400 + 40 * 86400, "9y"),
])
def test_ages_read_as_kubectl_prints_them(seconds: float, text: str) -> None:
    assert human_age(seconds) == text


def test_offsets_and_fractions_are_read_not_dropped() -> None:
    utc = parse_time("2026-01-02T03:04:05Z")
    assert utc is not None
    assert parse_time("2026-01-02T05:04:05+02:00") == utc
    assert parse_time("2026-01-01T23:34:05-03:30") == utc
    assert parse_time("2026-01-02T03:04:05.123456789Z") == utc
    for bad in ("2026-01-02T03:04:05", "2026-01-02T03:04:05+2", "2026-13-02T03:04:05Z", "2026-01-02T03:04:05Zjunk",
                "", None):
        assert parse_time(bad) is None, bad
