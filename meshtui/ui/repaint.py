"""Redraw only what changed: a `Static` is updated only when its new content differs.

`Static.update` always asks for a new layout: every widget on the screen is arranged
again (a reflow) and a frame is painted, even when the text is the same. Panels redraw
their lines from state on many occasions (a resize when the panel is shown again, a
health tick every few seconds, a sample that arrives while another panel is shown); with
`update_static` such a redraw with nothing new costs no reflow and no frame, so a key
pressed at that moment is not painted behind it. `fixed_size=True` skips the reflow also
when the text did change, for a line whose size the stylesheet fixes (the health line, a
status line): only that widget is repainted.

Equality is strict where Textual's and Rich's `==` are loose: `Content == Content` compares
the plain text only, `Text == Text` ignores the base style; a colour change must show.

No collector pass in a frame either: once thousands of pods (the Overview's list, the
Resources panel's first sample) live for the session, `freeze_survivors` moves them out of
Python's full collections, which otherwise walk them every few seconds (0.25-0.35 s each
at 20,000 pods, seen landing inside keys and sorts).
"""

from __future__ import annotations

import gc

from rich.text import Text
from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Static


def same_content(old: object, new: object) -> bool:
    """True when `old` and `new` would draw the same (str, `Text`, `Content`); False when unsure."""
    if type(old) is not type(new) or (isinstance(new, Text) and old is new):
        return False  # a Text is mutable: the very object shown may have been changed in place
    if isinstance(old, str):
        return old == new
    if isinstance(old, Text) and isinstance(new, Text):
        return (old.plain == new.plain and old.spans == new.spans and old.style == new.style
                and old.justify == new.justify and old.overflow == new.overflow and old.no_wrap == new.no_wrap
                and old.end == new.end and old.tab_size == new.tab_size)
    if isinstance(old, Content) and isinstance(new, Content):
        return old.plain == new.plain and list(old.spans) == list(new.spans)
    return False


def update_static(static: Static, content: VisualType, *, fixed_size: bool = False) -> bool:
    """Show `content` on `static` unless it already shows it; True when it was updated."""
    if same_content(static.content, content):
        return False
    static.update(content, layout=not fixed_size)
    return True


FREEZE_AFTER = 2_000
"""Objects from this many pods (or more) arriving at once are worth a freeze."""


def freeze_survivors() -> None:
    """One full collection, then everything alive leaves the collector's full passes for good.

    Call after the screen shows what just arrived (`call_after_refresh`). The collection comes first so
    no garbage is frozen; frozen objects that die later are still freed by reference counting, only
    cycles among them would stay."""
    gc.collect()
    gc.freeze()
