"""External text for Textual: made inert for the terminal, then escaped for markup.

Every widget that shows text from a cluster, a file or a log builds it through these
helpers: `safe_markup()` when the string is spliced into a markup template,
`safe_text()` when a `rich.text.Text` (no markup parsing at all) is built. A pod name
like `[/var]` or an event message with an OSC sequence then shows as written and
neither crashes the markup parser nor reaches the terminal raw.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from meshtui.domain.text import inert, inert_lines


def escape(text: str) -> str:
    """Escape every `[` (Textual's markup reads `\\[` as a literal bracket, whatever follows).

    `textual.markup.escape` only escapes what looks like a tag and doubles backslashes the
    parser then keeps, so `\\[x]` would not show as written. A trailing backslash would make
    the markup that follows it (`[/b]`) literal, so it gets an invisible WORD JOINER after it.
    """
    escaped = text.replace("[", "\\[")
    return escaped + "\u2060" if escaped.endswith("\\") else escaped


def safe_markup(value: object) -> str:
    """`value` for a markup string: inert, and every `[` that could open a tag escaped."""
    return escape(inert(value))


def safe_markup_lines(value: object) -> str:
    """Multi-line `value` for a markup string (newlines kept)."""
    return escape(inert_lines(value))


def safe_text(value: object, style: str = "") -> Text:
    """`value` as a `Text` with one style; no markup is parsed."""
    return Text(inert(value), style=style, no_wrap=False)


def safe_text_lines(value: object, style: str = "") -> Text:
    """Multi-line `value` as a `Text` (newlines kept)."""
    return Text(inert_lines(value), style=style)


def safe_content(template: str, **values: object) -> Content:
    """Markup `template` (meshtui's own) with `$name` slots filled by inert external `values`.

    The values are substituted after the markup is parsed, so nothing in them is read as a tag.
    """
    return Content.from_markup(template, **{name: inert(value) for name, value in values.items()})
