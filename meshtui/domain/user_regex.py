"""Regexes the user types, matched under a time limit: the Overview filter, the Logs search, log queries.

Why: Python's `re` backtracks without limit and holds the GIL while it does, so one pattern
such as `(.*)*x` took over 20 s on a single 57-character pod line and froze the whole app
(no key, not even ctrl+c, was read again); a worker thread does not help, the GIL starves
the event loop. The third-party `regex` engine accepts `timeout=` on every match and, with
`concurrent=True`, releases the GIL while it works, so:

- a pass over many texts (the Overview filtering 20,000 pods) runs under one `Budget` for the
  whole pass (`PASS_SECONDS`, not per text); running out raises `RegexTooSlow`, whose message
  the caller shows where a bad regex is shown (`regex too slow: it took over 0.25 s on 40 of
  20,000 pods; simplify it`) and the filter is not applied;
- a line at a time (log lines on engine threads, the Logs search between frames) uses
  `UserRegex.search`/`finditer`: a line whose match times out counts as not matching and is
  counted in `timeouts`, so the caller can say so once; after `give_up` seconds lost to
  timeouts the pattern matches nothing more at once (a search step stays bounded).

Patterns are checked with `re` first, so a bad one gives exactly the message it gave before
(`bad regex: missing ), unterminated subpattern at position 1`). `regex` is imported only
when a user pattern is compiled: start-up and plain-text filters never pay for it.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

PASS_SECONDS = 0.25
"""The time one pass of a filter (every pod, once) may take before the filter is given up."""
LINE_SECONDS = 0.05
"""The time one log line may take before it counts as not matching."""
STREAM_GIVE_UP = 2.0
"""Seconds a log query's regex may lose to timed-out lines before it is given up (it then matches nothing:
a pattern slow on every line would otherwise hold a `--no-follow` read for minutes, unable to stop)."""


MAX_COPIES = 100_000
"""Copies a pattern's counted repeats may ask for (`regex` builds them all when it compiles: ~0.4 µs each;
`(((a{1000}){1000}){1000})` asked for 10^9 and grew the process by gigabytes)."""


def repeat_copies(source: str, flags: int = 0) -> int:
    """How many copies of their innermost part a pattern's nested counted repeats ask for at most (`{n}`,
    `{n,m}`; an open `{n,}`, `*` or `+` counts as its minimum), read from the stdlib's own parse of it."""
    try:
        parser: Any = importlib.import_module("re._parser")  # `re`'s own parse: its tree names repeats exactly
        tree = parser.parse(source, flags)
    except Exception:  # another Python's re, or what it cannot parse: `re.compile` above was the judge
        return 0
    unbounded = parser.MAXREPEAT

    def walk(items: Any) -> int:
        worst = 1
        for op, arg in items:
            name = str(op)
            if name.endswith("_REPEAT"):
                low, high, sub = arg
                worst = max(worst, max(low if high == unbounded else high, 1) * walk(sub))
            elif name == "SUBPATTERN":
                worst = max(worst, walk(arg[-1]))
            elif name == "BRANCH":
                worst = max([worst, *(walk(branch) for branch in arg[1])])
            elif name in ("ASSERT", "ASSERT_NOT"):
                worst = max(worst, walk(arg[-1]))
            elif name == "ATOMIC_GROUP":
                worst = max(worst, walk(arg))
            elif name == "GROUPREF_EXISTS":
                worst = max([worst, *(walk(branch) for branch in arg[1:] if branch is not None)])
        return worst

    return walk(tree)


class Searcher(Protocol):
    """What the log code calls on a pattern: `re.Pattern` and `UserRegex` both fit."""

    @property
    def pattern(self) -> str: ...

    def search(self, string: str, /) -> Any: ...

    def finditer(self, string: str, /) -> Iterator[Any]: ...


class UserRegexError(ValueError):
    """A pattern that does not compile; `str()` is the engine's message, as `re` words it."""


class RegexTooSlow(Exception):
    """A `Budget` ran out: `done` texts were matched before it did."""

    def __init__(self, pattern: str, seconds: float, done: int) -> None:
        super().__init__(f"regex {pattern!r} took over {seconds:g} s")
        self.pattern, self.seconds, self.done = pattern, seconds, done

    def message(self, total: int, what: str) -> str:
        """One line for the user: how far it got and what to do."""
        return (f"regex too slow: it took over {self.seconds:g} s on {min(self.done + 1, total):,} of {total:,} "
                f"{what}; simplify it")


class UserRegex:
    """A user's pattern compiled by `regex`, matched with a timeout (see the module docstring).

    Equal to another with the same source and flags, so a filter parsed twice compares equal.
    """

    __slots__ = ("_compiled", "_key", "concurrent", "give_up", "lost", "pattern", "timeout", "timeouts")

    def __init__(self, source: str, *, ignore_case: bool = False, multiline: bool = False,
                 timeout: float = LINE_SECONDS, give_up: float | None = None, concurrent: bool = False) -> None:
        flags = (re.IGNORECASE if ignore_case else 0) | (re.MULTILINE if multiline else 0)
        try:
            re.compile(source, flags)  # the same acceptance and message as before
        except re.error as exc:
            raise UserRegexError(str(exc)) from None
        copies = repeat_copies(source, flags)
        if copies > MAX_COPIES:
            raise UserRegexError(f"too complex: its counted repeats ask for {copies:,} copies (at most "
                                 f"{MAX_COPIES:,}); use fewer or smaller {{n}} counts")
        import regex  # lazy: only a typed pattern pays for the engine

        try:
            self._compiled = regex.compile(source, (regex.IGNORECASE if ignore_case else 0)
                                           | (regex.MULTILINE if multiline else 0) | regex.VERSION0)
        except regex.error as exc:
            raise UserRegexError(str(exc)) from None
        self.pattern = source
        self._key = (source, ignore_case, multiline)
        self.timeout, self.give_up, self.concurrent = timeout, give_up, concurrent
        self.timeouts = 0
        """Texts whose match timed out (counted as not matching)."""
        self.lost = 0.0
        """Seconds spent in matches that timed out."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UserRegex) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"UserRegex({self.pattern!r})"

    @property
    def gave_up(self) -> bool:
        """True once `give_up` seconds were lost to timeouts: nothing matches any more."""
        return self.give_up is not None and self.lost >= self.give_up

    def _timed_out(self, started: float) -> None:
        self.timeouts += 1
        self.lost += time.monotonic() - started

    def search(self, string: str, /) -> Any:
        """A match or None; None also when it timed out (then `timeouts` counts it)."""
        if self.gave_up:
            return None
        started = time.monotonic()
        try:
            return self._compiled.search(string, concurrent=self.concurrent, timeout=self.timeout)
        except TimeoutError:
            self._timed_out(started)
            return None

    def finditer(self, string: str, /) -> Iterator[Any]:
        """Every match (for highlighting); none at all when the whole scan timed out."""
        if self.gave_up:
            return iter(())
        started = time.monotonic()
        try:
            return iter(list(self._compiled.finditer(string, concurrent=self.concurrent, timeout=self.timeout)))
        except TimeoutError:
            self._timed_out(started)
            return iter(())

    def sub(self, repl: Callable[[Any], str], string: str, /) -> str:
        """`string` with each match replaced (the CLI's highlight); unchanged when it timed out."""
        if self.gave_up:
            return string
        started = time.monotonic()
        try:
            return str(self._compiled.sub(repl, string, concurrent=self.concurrent, timeout=self.timeout))
        except TimeoutError:
            self._timed_out(started)
            return string

    def slow_note(self, what: str = "lines") -> str:
        """What the user is told once when some texts timed out."""
        return slow_note(f"{self.timeouts:,} {what}", self.timeout, self.give_up if self.gave_up else None)


def slow_note(counted: str, seconds: float = LINE_SECONDS, gave_up: float | None = None) -> str:
    """The one wording of texts whose match timed out: `counted` is e.g. "12 lines" or "3 lines and 1 pod name";
    `gave_up`: the pattern was given up after that many seconds lost, and matches nothing since."""
    after = f"; given up after {gave_up:g} s lost: nothing matches it any more" if gave_up is not None else ""
    return f"regex too slow: {counted} took over {seconds:g} s each and count as not matching{after}; simplify it"


class Budget:
    """One pass of `pattern` over many texts, all of it within `seconds` (else `RegexTooSlow`)."""

    __slots__ = ("_search", "deadline", "done", "pattern", "seconds")

    def __init__(self, pattern: UserRegex, seconds: float = PASS_SECONDS) -> None:
        self.pattern, self.seconds = pattern, seconds
        self._search = pattern._compiled.search
        self.deadline = time.monotonic() + seconds
        self.done = 0

    def matches(self, text: str) -> bool:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RegexTooSlow(self.pattern.pattern, self.seconds, self.done)
        try:
            found = self._search(text, timeout=left)
        except TimeoutError:
            raise RegexTooSlow(self.pattern.pattern, self.seconds, self.done) from None
        self.done += 1
        return found is not None
