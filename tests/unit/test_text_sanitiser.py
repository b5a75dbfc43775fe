"""The sanitiser: hostile text is shown as written, never obeyed by the terminal or the markup parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.content import Content

from meshtui.domain.text import inert, inert_bytes, inert_lines, is_inert
from meshtui.ui.text import safe_content, safe_markup, safe_markup_lines

HOSTILE = [
    "\x1b]0;pwned\x07",  # OSC 0: retitle the terminal
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1bc",  # full reset
    "\x9b31m",  # C1 CSI
    "a\u202egnp.exe",  # right-to-left override
    "mount failed [/var/lib/kubelet/pods]",
    "[bold]x[/bold] [link=http://evil]y[/link] [@click=app.quit]z[/]",
    "\\[not a tag] back\\",
    "line1\nline2\rline3",
]
# What a string may contain: printable text, markup-like brackets, backslashes and every control.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list("[]/\\@=#$")),
                   max_size=60)


def _controls(text: str) -> list[str]:
    return [c for c in text if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E
            or 0x2066 <= ord(c) <= 0x2069 or c in "\u2028\u2029\u200b\u200e\u200f\u2061\u2062\u2063\u2064\ufeff"]


def test_known_attacks_lose_every_control_character_but_stay_readable() -> None:
    for sample in HOSTILE:
        shown = inert(sample)
        assert _controls(shown) == [], repr(shown)
    assert inert("\x1b]0;pwned\x07") == "␛]0;pwned␇"
    assert inert("tab\there") == "tab here"
    assert inert("pass\u200bword\ufeff") == "pass\\u200bword\\ufeff"  # invisible characters are shown
    assert inert("\U0001f468\u200d\U0001f469") == "\U0001f468\u200d\U0001f469"  # an emoji sequence stays one
    assert inert_lines("a\nb\x1b[2J") == "a\nb␛[2J"


@given(ANY_TEXT)
@settings(max_examples=400, deadline=None)
def test_inert_never_leaves_a_control_and_is_idempotent(text: str) -> None:
    shown = inert(text)
    assert _controls(shown) == []
    assert inert(shown) == shown and is_inert(shown)
    assert _controls(inert_lines(text).replace("\n", "")) == []


@given(ANY_TEXT)
@settings(max_examples=400, deadline=None)
def test_markup_escape_round_trips_through_textual(text: str) -> None:
    def plain(markup: str) -> str:
        return Content.from_markup(markup).plain.replace("\u2060", "")  # the joiner after a trailing backslash

    def want(shown: str) -> str:
        return shown.replace("\u2060", "")

    assert plain(safe_markup(text)) == want(inert(text))
    assert plain(f"[b]{safe_markup(text)}[/b] x") == want(f"{inert(text)} x")
    assert plain(safe_markup_lines(text)) == want(inert_lines(text))
    assert safe_content("[b]$value[/b] x", value=text).plain == f"{inert(text)} x"


def test_a_word_joiner_in_the_input_is_kept() -> None:
    assert Content.from_markup(safe_markup("a\u2060b")).plain == "a\u2060b"


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_bytes_fast_path_agrees_with_the_text_path(text: str) -> None:
    lines = text.replace("\r", "").replace("\t", " ").split("\n")  # the byte path keeps tabs; the line path spaces them
    data = "\n".join(lines).encode()
    assert inert_bytes(data).decode() == "\n".join(inert(line) for line in lines)


def test_hostile_markup_samples_render_as_written() -> None:
    for sample in HOSTILE:
        assert Content.from_markup(safe_markup(sample)).plain.rstrip("\u2060") == inert(sample)


def test_bytes_that_are_not_utf8_reach_a_terminal_escaped() -> None:
    """A log line's stray 0x9b is an 8-bit CSI, 0x9d an OSC, to a terminal that acts on C1 controls (a
    reviewer saw them written raw by `meshtui logs` on a terminal): shown as escapes, the rest kept."""
    data = b"raw c1 \x9b2J and \x9d0;title\x9c\tend\nnext \xe2\x80 line \xc3\xa9\n"
    shown = inert_bytes(data)
    assert shown == b"raw c1 \\x9b2J and \\x9d0;title\\x9c\tend\nnext \\xe2\\x80 line \xc3\xa9\n"
    assert inert_bytes(b"caf\xc3\xa9\n") == b"caf\xc3\xa9\n"  # UTF-8 as it is
