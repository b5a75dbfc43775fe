"""The Overview's pod store: every pod by key, and the filtered, sorted order a table shows.

Kept incrementally so the UI's work per frame follows the changes, not the cluster: a
watch event moves one key out of the order and back in by bisection (O(log n) to find,
a memmove to shift), 500 events a second against 20,000 pods cost a few milliseconds.
Every pod is also kept in sort order, so a new filter or namespace is one scan of that
list (O(n), no sort) and only a new sort key sorts (O(n log n), ~10-20 ms at 20,000). Positions are answered by bisection on the sort key, so a table can keep
its cursor on a pod by key without an index map to rebuild. The health summary is
counted as pods come and go, so it is never an O(n) pass either.

A `re:` filter is matched against `fields` (one line per field, MULTILINE, so `^`/`$` anchor at
each field) under one time budget per pass (`domain.user_regex`): a pattern too slow for it
is not applied and says so in `filter.error`, where a bad regex is told.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from meshtui.domain.user_regex import PASS_SECONDS, Budget, RegexTooSlow, UserRegex, UserRegexError
from meshtui.domain.workloads import Health, PodSummary

SORTS = ("namespace", "name", "status", "restarts", "age", "node", "version")
SortKey = str

# Sort keys are single strings with NUL between the fields (NUL sorts before any character, so the
# order is that of the field tuples): comparing one string is about twice as fast as comparing tuples,
# which is most of the cost of re-sorting 20,000 pods. Every key ends with the pod's namespace and
# name, so keys are unique and a bisection finds exactly one pod.
_SORT_KEYS: dict[str, Callable[[PodSummary], SortKey]] = {
    "namespace": lambda p: f"{p.namespace}\0{p.name}",
    "name": lambda p: f"{p.name}\0{p.namespace}",
    "status": lambda p: f"{p.status}\0{p.namespace}\0{p.name}",
    "restarts": lambda p: f"{999_999_999 - min(p.restarts, 999_999_999):09d}\0{p.name}\0{p.namespace}",
    "age": lambda p: f"{p.created:017.3f}\0{p.name}\0{p.namespace}" if p.created is not None and p.created >= 0
    else f"~\0{p.name}\0{p.namespace}",
    "node": lambda p: f"{p.node}\0{p.name}\0{p.namespace}",
    "version": lambda p: f"{p.version}\0{p.name}\0{p.namespace}",
}
WIDTH_FIELDS = ("namespace", "name", "node", "version")


def haystack(pod: PodSummary) -> str:
    """What a plain-text filter searches: namespace/name, status, node, version and app, lower-cased."""
    return f"{pod.namespace}/{pod.name} {pod.status} {pod.node} {pod.version} {pod.app}".lower()


def fields(pod: PodSummary) -> str:
    """What a `re:` filter searches: one line each for namespace/name, name, status, node, version, app."""
    return f"{pod.namespace}/{pod.name}\n{pod.name}\n{pod.status}\n{pod.node}\n{pod.version}\n{pod.app}"


@dataclass(frozen=True)
class PodFilter:
    """Plain text (substring, case-insensitive) or `re:REGEX` (case-insensitive, `^`/`$` at each field).

    A bad regex matches as plain text; one too slow for a pass is `off` (not tried again for that text).
    """

    text: str = ""
    pattern: UserRegex | None = field(default=None, compare=False)
    error: str | None = field(default=None, compare=False)
    off: bool = field(default=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> PodFilter:
        text = text.strip()
        if text[:3].lower() == "re:":  # the pattern as typed: lower-casing would turn \S into \s
            try:
                return cls(f"re:{text[3:]}", UserRegex(text[3:], ignore_case=True, multiline=True))
            except UserRegexError as exc:
                return cls(text.lower(), None, f"bad regex: {exc}")
        return cls(text.lower())

    @property
    def active(self) -> bool:
        """Whether it hides anything (a too slow regex does not)."""
        return bool(self.text) and not self.off

    def too_slow(self, message: str) -> PodFilter:  # not applied, and why
        return PodFilter(self.text, self.pattern, message, off=True)

    def matches(self, pod: PodSummary) -> bool:
        """One pod, without a pass budget (the reference the view's passes agree with)."""
        if not self.active:
            return True
        if self.pattern is not None:
            return self.pattern.search(fields(pod)) is not None
        return self.text in haystack(pod)


@dataclass
class ViewDelta:
    """What one `apply` did: rows whose cells changed, and whether rows moved (order or membership)."""

    changed: set[str] = field(default_factory=set)
    moved: bool = False


class PodView:
    """Pods by key plus the ordered keys that pass the namespace and the filter."""

    def __init__(self) -> None:
        self.pods: dict[str, PodSummary] = {}
        self.namespace: str | None = None
        self.filter = PodFilter()
        self.sort_by = "namespace"
        self.reverse = False
        self.widths: dict[str, int] = {}
        self._hay: dict[str, str] = {}
        self._sort_key = _SORT_KEYS[self.sort_by]
        self._all_keys: dict[str, SortKey] = {}  # sort key of every pod
        self._all: list[str] = []  # every pod, ascending by sort key (a new filter only scans it)
        self._keys: dict[str, SortKey] = {}  # sort key of every shown pod
        self._order: list[str] = []  # shown pods, ascending by sort key
        self._not_ready: set[str] = set()
        self._restarted: dict[str, float] = {}
        self._phases: dict[str, int] = {}
        self._budget: Budget | None = None

    # -- what a table reads -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._order)

    def key_at(self, index: int) -> str:
        return self._order[-1 - index] if self.reverse else self._order[index]

    def index_of(self, key: str) -> int | None:
        sort_key = self._keys.get(key)
        if sort_key is None:
            return None
        index = bisect_left(self._order, sort_key, key=self._keys.__getitem__)
        return len(self._order) - 1 - index if self.reverse else index

    def keys(self) -> list[str]:
        """Shown keys in display order (O(n): for tests and rare lookups, not per frame)."""
        return self._order[::-1] if self.reverse else list(self._order)

    # -- changes from the feed ----------------------------------------------------------
    def apply(self, upserts: Mapping[str, PodSummary], deletes: Iterable[str], resynced: bool = False) -> ViewDelta:
        """Apply one drained batch of feed changes (a resync replaces everything)."""
        if resynced:
            for key in list(self.pods):
                self._forget(key)
            self.widths = {}
            for key, pod in upserts.items():
                self._remember(key, pod)
            self._rebuild()
            return ViewDelta(set(upserts), True)
        self._budget = None
        delta = ViewDelta()
        for key in deletes:
            if key in self.pods:
                self._forget(key)
                self._take_out_of_all(key)
                if key in self._keys:
                    self._take_out(key)
                    delta.moved = True
        for key, pod in upserts.items():
            if key in self.pods:
                self._forget(key)
            self._remember(key, pod)
            delta.changed.add(key)
            new = self._sort_key(pod)
            if self._all_keys.get(key) != new:
                if key in self._all_keys:
                    self._take_out_of_all(key)
                self._all_keys[key] = new
                insort(self._all, key, key=self._all_keys.__getitem__)
            old = self._keys.get(key)
            shown = new if self._shows(key, pod) else None
            if old == shown:
                continue
            delta.moved = True
            if old is not None:
                self._take_out(key)
            if shown is not None:
                self._keys[key] = shown
                insort(self._order, key, key=self._keys.__getitem__)
        if self._budget is not None and self.filter.off:  # the regex ran out of time: show all, say so
            self._refilter(self._all)
            delta.moved = True
        return delta

    def _take_out_of_all(self, key: str) -> None:
        del self._all[bisect_left(self._all, self._all_keys[key], key=self._all_keys.__getitem__)]
        del self._all_keys[key]

    def _take_out(self, key: str) -> None:
        """Remove a shown key from the order (found by bisection on its sort key)."""
        del self._order[bisect_left(self._order, self._keys[key], key=self._keys.__getitem__)]
        del self._keys[key]

    # -- filter, sort, namespace -------------------------------------------------------
    def configure(self, *, namespace: str | None | bool = False, filter_text: str | None = None,
                  sort_by: str | None = None, reverse: bool | None = None) -> bool:
        """Change what is shown; only a changed namespace, filter or sort key rebuilds the order.

        Returns True when what is shown changed (rebuilt or reversed)."""
        rebuild = False
        if sort_by is not None and sort_by not in _SORT_KEYS:
            raise ValueError(f"unknown sort {sort_by!r} (one of {', '.join(SORTS)})")
        if namespace is not False and namespace != self.namespace:
            self.namespace = namespace if isinstance(namespace, str) else None
            rebuild = True
        narrow = False
        if filter_text is not None and PodFilter.parse(filter_text) != self.filter:
            new = PodFilter.parse(filter_text)
            # One more character typed only narrows a plain-text filter: scan the shown rows only.
            narrow = (not new.text.startswith("re:") and not self.filter.text.startswith("re:")
                      and self.filter.text in new.text)
            self.filter = new
            rebuild = rebuild or not narrow
        resort = sort_by is not None and sort_by != self.sort_by
        if sort_by is not None and resort:
            self.sort_by, self._sort_key = sort_by, _SORT_KEYS[sort_by]
        flipped = reverse is not None and reverse != self.reverse
        if flipped:
            self.reverse = bool(reverse)  # the same order read from the other end
        if resort:
            self._rebuild()
        elif rebuild:
            self._refilter(self._all)
        elif narrow:
            self._refilter(self._order)
        return resort or rebuild or narrow or flipped

    def _shows(self, key: str, pod: PodSummary) -> bool:
        if self.namespace is not None and pod.namespace != self.namespace:
            return False
        flt = self.filter
        if not flt.active or flt.pattern is None:
            return not flt.active or flt.text in self._hay[key]
        self._budget = self._budget or Budget(flt.pattern, PASS_SECONDS)  # one for each `apply`
        try:
            return self._budget.matches(fields(pod))
        except RegexTooSlow as exc:
            self.filter = flt.too_slow(exc.message(len(self.pods), "pods"))
            return True

    def _rebuild(self) -> None:
        """A new sort: every pod's key, one sort (O(n log n)), then the filter."""
        sort_key = self._sort_key
        self._all_keys = {key: sort_key(pod) for key, pod in self.pods.items()}
        self._all = sorted(self._all_keys, key=self._all_keys.__getitem__)
        self._refilter(self._all)

    def _refilter(self, candidates: list[str]) -> None:
        """A new filter or namespace: scan an already sorted list (O(n), no sort)."""
        flt = self.filter
        if self.namespace is None and not flt.active:
            self._order, self._keys = list(self._all), dict(self._all_keys)
            return
        pods, hay, text, namespace = self.pods, self._hay, flt.text if flt.active else "", self.namespace
        if flt.pattern is not None and flt.active:
            shown = [key for key in candidates if namespace is None or pods[key].namespace == namespace]
            budget = Budget(flt.pattern, PASS_SECONDS)
            try:
                self._order = [key for key in shown if budget.matches(fields(pods[key]))]
            except RegexTooSlow as exc:
                self.filter = flt.too_slow(exc.message(len(shown), "pods"))
                self._order = shown
        else:
            self._order = [key for key in candidates
                           if (namespace is None or pods[key].namespace == namespace) and text in hay[key]]
        keys = self._all_keys
        self._keys = {key: keys[key] for key in self._order}

    # -- bookkeeping -------------------------------------------------------------------
    def _remember(self, key: str, pod: PodSummary) -> None:
        self.pods[key] = pod
        self._hay[key] = haystack(pod)
        self._phases[pod.status] = self._phases.get(pod.status, 0) + 1
        if not pod.is_ready and pod.status not in ("Succeeded", "Completed"):
            self._not_ready.add(key)
        if pod.last_restart is not None:
            self._restarted[key] = pod.last_restart
        widths = self.widths
        for name in WIDTH_FIELDS:
            length = len(getattr(pod, name))
            if length > widths.get(name, 0):
                widths[name] = length

    def _forget(self, key: str) -> None:
        pod = self.pods.pop(key)
        del self._hay[key]
        count = self._phases[pod.status] - 1
        if count:
            self._phases[pod.status] = count
        else:
            del self._phases[pod.status]
        self._not_ready.discard(key)
        self._restarted.pop(key, None)

    def health(self, warnings: int, now: float) -> Health:
        """The health line's numbers, from counters (O(pods that restarted), not O(pods))."""
        recent = sum(1 for at in self._restarted.values() if now - at <= 600)
        return Health(len(self.pods), len(self._not_ready), recent, dict(sorted(self._phases.items())), warnings)
