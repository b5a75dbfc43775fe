"""Reading kubelet stamps from bytes, positions across chunks, and the view's ring and row arithmetic."""

from __future__ import annotations

from meshtui.domain.logs import LogLine
from meshtui.domain.timefmt import format_ns, parse_ns
from meshtui.services.log_stamps import Position, advance, fast_ts, split_stamped, stamp_at
from meshtui.ui.widgets.log_rows import LineRing, WrapLayout


def test_stamps_parse_to_the_nanosecond() -> None:
    for ns in (1_796_080_000_123_456_789, 1_796_080_000_100_000_000, 1_796_080_000_000_000_000, 1):
        assert fast_ts(format_ns(ns).encode()) == ns == parse_ns(format_ns(ns))
    assert fast_ts(b"not a stamp") == -1 and fast_ts(b"2026-12-01T00:00:00.12x4Z") == -1
    assert split_stamped(b"2026-12-01T00:00:00.5Z hello world\n") == (parse_ns("2026-12-01T00:00:00.5Z"),
                                                                       "hello world")
    assert split_stamped(b"no stamp here") == (0, "no stamp here")
    data = b"2026-12-01T00:00:00.1Z a\n2026-12-01T00:00:00.2Z b\n"
    assert stamp_at(data, 0) == (parse_ns("2026-12-01T00:00:00.1Z"), 25)


def test_position_counts_lines_sharing_the_last_stamp_across_chunks() -> None:
    one, two = b"2026-12-01T00:00:00.1Z ", b"2026-12-01T00:00:00.2Z "
    position = advance(None, one + b"a\n" + two + b"b\n" + two + b"c\n")
    assert position == Position(parse_ns("2026-12-01T00:00:00.2Z"), 2)
    assert advance(position, two + b"d\n") == Position(position.ts, 3)  # the same stamp goes on in the next chunk
    assert advance(position, b"") is position


def line(i: int) -> LogLine:
    return LogLine("ns", "pod", "c", "", i, f"line {i}", 0)


def test_the_ring_keeps_the_newest_and_counts_what_it_evicted() -> None:
    ring = LineRing(5)
    assert ring.extend(line(i) for i in range(3)) == 0
    assert ring.extend(line(i) for i in range(3, 12)) == 7
    assert [x.raw for x in ring] == [f"line {i}" for i in range(7, 12)]
    assert ring[0].raw == "line 7" and ring[-1].raw == "line 11" and ring.first == ring.evicted == 7
    assert [x.raw for x in ring[1:3]] == ["line 8", "line 9"]
    ring.clear(capacity=3)
    assert len(ring) == 0 and ring.evicted == 0 and ring.capacity == 3


def test_the_ring_counts_the_marker_rows_it_keeps() -> None:
    """Restart/gap markers are rows, not log lines: the status line's "kept" must not count them (a reviewer
    saw `5,961 lines · 5,962/20,000 kept`)."""
    from dataclasses import replace

    ring = LineRing(4)
    ring.extend([line(0), replace(line(1), marker="restarted"), line(2)])
    assert ring.markers == 1
    ring.extend([line(3), line(4)])  # line 0 is evicted, the marker kept
    assert ring.markers == 1 and len(ring) == 4
    ring.extend([line(5)])  # now the marker goes
    assert ring.markers == 0 and [x.raw for x in ring] == ["line 2", "line 3", "line 4", "line 5"]
    ring.extend([replace(line(6), marker="gap")])
    assert ring.markers == 1
    ring.clear()
    assert ring.markers == 0


def test_wrap_layout_only_measures_what_reaches_the_screen() -> None:
    measured: list[int] = []

    def cells(index: int) -> int:
        measured.append(index)
        return 25 if index % 2 else 5  # odd lines take 3 rows of 10, even lines 1

    layout = WrapLayout(cells)
    assert layout.from_bottom(1000, 10, 4) == [(998, 0), (999, 0), (999, 1), (999, 2)]
    assert layout.from_top(10, 1000, 10, 5) == [(10, 0), (11, 0), (11, 1), (11, 2), (12, 0)]
    assert layout.tail_top(1000, 10, 4) == 998 and layout.top_ending_at(11, 10, 4) == 10
    assert max(measured) == 999 and min(measured) >= 9 and len(measured) < 20
