"""User-typed regexes under a time budget: a slow one gives up in time and says so; anchors per field."""

from __future__ import annotations

import time

import pytest

from meshtui.domain.pod_view import PodView, fields
from meshtui.domain.user_regex import Budget, RegexTooSlow, UserRegex, UserRegexError
from meshtui.domain.workloads import PodSummary

SLOW = "(?:.|a)*" * 8 + r"\d{6}"
"""Slow even for the `regex` engine (polynomial backtracking): ~10-20 ms on one pod's fields."""


def pod(namespace: str, name: str, status: str = "Running") -> PodSummary:
    return PodSummary(namespace, name, 1, 1, status, 0, None, 100.0, "kind-worker", "v1", name.split("-")[0],
                      True, "10.0.0.1")


def many(count: int) -> dict[str, PodSummary]:
    pods = [pod("load", f"load-{i:05d}-abcdefghij") for i in range(count)]
    return {p.key: p for p in pods}


def test_a_slow_regex_gives_up_within_the_pass_budget_and_is_not_applied() -> None:
    view = PodView()
    view.apply(many(2000), (), resynced=True)  # unbounded: 2000 x ~15 ms = ~30 s
    started = time.monotonic()
    view.configure(filter_text=f"re:{SLOW}")
    took = time.monotonic() - started
    assert took < 0.6, took
    assert view.filter.off and view.filter.error is not None
    assert view.filter.error.startswith("regex too slow: it took over 0.25 s on ")
    assert view.filter.error.endswith(" of 2,000 pods; simplify it")
    assert len(view) == 2000  # not applied
    started = time.monotonic()
    view.configure(filter_text=f" re:{SLOW} ")  # the same text again: not tried again
    assert time.monotonic() - started < 0.05
    view.configure(filter_text="")
    assert view.filter.error is None and len(view) == 2000


def test_a_slow_regex_on_live_changes_gives_up_once() -> None:
    view = PodView()
    view.configure(filter_text=f"re:{SLOW}")
    started = time.monotonic()
    delta = view.apply(many(500), ())
    assert time.monotonic() - started < 0.6
    assert delta.moved and view.filter.off and len(view) == 500


def test_the_budget_is_for_the_whole_pass_not_per_text() -> None:
    budget = Budget(UserRegex(SLOW), seconds=0.05)
    started = time.monotonic()
    with pytest.raises(RegexTooSlow) as caught:
        for _ in range(1000):
            budget.matches("load/load-00001-abcdefghij running kind-worker v1 load")
    assert time.monotonic() - started < 0.3
    assert caught.value.message(1000, "pods").startswith("regex too slow: it took over 0.05 s on ")


def test_a_fast_regex_filters_twenty_thousand_pods_quickly() -> None:
    view = PodView()
    view.apply(many(20_000), (), resynced=True)
    started = time.monotonic()
    view.configure(filter_text="re:load-1999[0-9]-")
    assert time.monotonic() - started < 0.25
    assert view.filter.error is None and len(view) == 10


def test_anchors_hold_at_each_field() -> None:
    view = PodView()
    view.apply({p.key: p for p in [pod("load", "load-19990"), pod("load", "load-199901"), pod("shop", "x-load-19990")]},
               (), resynced=True)
    view.configure(filter_text="re:^load-19990")
    assert view.keys() == ["load/load-19990", "load/load-199901"]
    view.configure(filter_text="re:load-19990$")
    assert view.keys() == ["load/load-19990", "shop/x-load-19990"]
    view.configure(filter_text="re:^load-19990$")
    assert view.keys() == ["load/load-19990"]
    view.configure(filter_text="re:^running$")
    assert len(view) == 3
    view.configure(filter_text="re:^load/load-19990$")
    assert view.keys() == ["load/load-19990"]
    assert fields(pod("a", "b")).splitlines() == ["a/b", "b", "Running", "kind-worker", "v1", "b"]


def test_the_pattern_is_kept_as_typed_and_matches_case_insensitively() -> None:
    view = PodView()
    view.apply({p.key: p for p in [pod("shop", "Cat-1"), pod("shop", "dog-2")]}, (), resynced=True)
    view.configure(filter_text=r"RE:^\S+-1$")  # lower-casing it would have made \S a \s
    assert view.keys() == ["shop/Cat-1"]
    view.configure(filter_text="re:^CAT")
    assert view.keys() == ["shop/Cat-1"]


def test_a_bad_pattern_keeps_the_message_re_gives() -> None:
    with pytest.raises(UserRegexError, match=r"missing \), unterminated subpattern at position 1"):
        UserRegex("a(b")
    view = PodView()
    view.configure(filter_text="re:a(b")
    assert view.filter.error == "bad regex: missing ), unterminated subpattern at position 1"


def test_a_line_that_times_out_does_not_match_and_is_counted() -> None:
    rx = UserRegex(SLOW, timeout=0.002, give_up=0.02)
    line = "load/load-00001-abcdefghij running kind-worker v1 load"
    started = time.monotonic()
    assert [rx.search(line) for _ in range(100)] == [None] * 100
    assert list(rx.finditer(line)) == []
    assert time.monotonic() - started < 0.3
    assert rx.gave_up and 1 <= rx.timeouts <= 20
    assert "regex too slow" in rx.slow_note()
    assert UserRegex("b").search("abc") is not None and [m.span() for m in UserRegex("a").finditer("aba")] == [(0, 1), (2, 3)]


def test_log_query_regexes_time_out_a_line_and_keep_their_messages() -> None:
    from meshtui.domain.errors import UsageError
    from meshtui.domain.logs import FieldFilter
    from meshtui.services.log_query import LogQuery

    line_filter = LogQuery(include=SLOW).line_filter()
    assert isinstance(line_filter.include, UserRegex) and line_filter.include.concurrent
    started = time.monotonic()
    assert line_filter.include.search("load/load-00001-abcdefghij running kind-worker v1 load " * 4) is None
    assert time.monotonic() - started < 0.2 and line_filter.include.timeouts == 1
    with pytest.raises(UsageError, match=r"bad include regex 'a\(b': missing \), unterminated subpattern"):
        LogQuery(include="a(b").line_filter()
    assert FieldFilter.parse(f"path~{SLOW}").rx == UserRegex(SLOW)


def test_a_pattern_whose_counted_repeats_multiply_is_refused_before_the_engine_builds_it() -> None:
    """`(((a{1000}){1000}){1000})` asked the engine for 10^9 copies: the TUI froze and grew by gigabytes (a
    reviewer killed it at 20 GB). It is refused at once, as a bad pattern; ordinary counts still compile."""
    import time

    from meshtui.domain.user_regex import MAX_COPIES, UserRegex, UserRegexError, repeat_copies

    started = time.monotonic()
    with pytest.raises(UserRegexError, match="too complex: its counted repeats ask for 1,000,000,000 copies"):
        UserRegex("(((a{1000}){1000}){1000})")
    for bomb in ["((a{400}){400})", "(?=(a{500}){500})b", "(a|(b{400}){400})", "(?>(a{1000}){200})"]:
        with pytest.raises(UserRegexError, match="too complex"):
            UserRegex(bomb)
    assert time.monotonic() - started < 2
    assert repeat_copies(r"\d{1,5}-(x+x+)+y") == 5 and repeat_copies("[{]{3}") == 3
    assert repeat_copies(r"a\{1000\}") == 1
    for fine in [r"\d{1,5}", "((ab){10}){10}", "a{1000}", f"a{{{MAX_COPIES}}}"]:
        UserRegex(fine)
