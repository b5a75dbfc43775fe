"""The one way in for external text: make it inert before any terminal sees it.

Pod and node names, event messages, label values, log lines, file contents: anything
that came from a cluster, a file or a log may carry escape sequences (an OSC 0 retitles
the terminal, a CSI moves the cursor, ESC c resets it) or bidi overrides that make text
read differently from what it is. `inert()` turns every such character into a visible,
harmless stand-in, so the user sees that something odd was there and the terminal
obeys none of it. JSON output does not pass through `inert()`: it stays exact. JSON's own
escaping keeps C0 controls out of the byte stream, and `json_text()` escapes the rest
(DEL, C1, bidi marks, line separators) as `\\uXXXX`, so a decoder gets the raw value back
while a terminal or a line splitter sees nothing but ASCII for them.

Textual markup is the UI's concern (`meshtui.ui.text` escapes on top of this), and
colour codes meshtui itself adds are applied after this, never before.
"""

from __future__ import annotations

import json
import re

# C0 controls (but TAB, handled apart), DEL, C1 controls, the Unicode bidi marks,
# embeddings/overrides/isolates, line/paragraph separators, and the invisible characters
# that can hide or split text (zero-width space, invisible operators, BOM). ZWJ and ZWNJ
# stay (emoji sequences and several scripts need them), and so does the word joiner, which
# the markup escape itself uses after a trailing backslash.
_INVISIBLE = "\u200b\u200e\u200f\u2061-\u2064\ufeff"
_UNSAFE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{_INVISIBLE}]")
_UNSAFE_KEEP_NEWLINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{_INVISIBLE}]")

_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟ (␛ for ESC)
_TABLE[0x7F] = "\u2421"  # ␡
_TABLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})
_TABLE.update({code: f"\\u{code:04x}" for code in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                                  0x200B, 0x200E, 0x200F, *range(0x2061, 0x2065), 0xFEFF)})
_TABLE[0x09] = " "


def inert(text: object) -> str:
    """One line of external text, safe for a terminal: controls shown as ␛, ␊, \\x9b …, tabs as spaces."""
    value = text if isinstance(text, str) else str(text)
    if "\t" in value:
        value = value.replace("\t", " ")
    if _UNSAFE.search(value) is None:
        return value
    return value.translate(_TABLE)


def inert_lines(text: object) -> str:
    """Multi-line external text (a YAML dump, a step's output): newlines kept, everything else as `inert`."""
    value = text if isinstance(text, str) else str(text)
    value = value.replace("\r\n", "\n")
    if "\t" in value:
        value = value.expandtabs(4)
    if _UNSAFE_KEEP_NEWLINES.search(value) is None:
        return value
    return value.translate(_TABLE | {0x0A: "\n"})


def is_inert(text: str) -> bool:
    """True when `text` has nothing `inert()` would change (tests and fast paths)."""
    return "\t" not in text and _UNSAFE.search(text) is None


# The same set in UTF-8, for byte streams (the logs fast path): C0 but TAB and LF, DEL,
# C1 (\xc2\x80-\xc2\x9f), U+200B/200E/200F and U+2028-202E (\xe2\x80..), U+2061-2064 and U+2066-2069
# (\xe2\x81..), U+FEFF (\xef\xbb\xbf).
_UNSAFE_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b\x8e\x8f\xa8-\xae]"
                           rb"|\xe2\x81[\xa1-\xa4\xa6-\xa9]|\xef\xbb\xbf")


def inert_bytes(data: bytes) -> bytes:
    """Newline-separated UTF-8 lines made inert as `inert()` would, without decoding when nothing is unsafe.

    Bytes that are not UTF-8 are shown escaped (`\\x9b`): a stray 0x9b is an 8-bit CSI to a terminal
    that acts on C1 controls, and a stray 0x9d an OSC."""
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("utf-8", "backslashreplace").encode()
    if _UNSAFE_BYTES.search(data) is None:
        return data
    return _UNSAFE_BYTES.sub(lambda m: inert(m.group(0).decode("utf-8", "replace")).encode(), data)


# What `inert()` changes that `json.dumps(ensure_ascii=False)` leaves raw (it escapes C0 itself).
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069{_INVISIBLE}]")


def json_text(data: object, indent: int | None = None) -> str:
    """`data` as JSON (UTF-8 text kept readable) with every character `inert()` would change escaped as \\uXXXX.

    Exact once decoded; on a terminal or to a line splitter (`str.splitlines` breaks at U+0085 and U+2028) it
    is inert. The characters only ever occur inside JSON strings, where a \\u escape is always valid."""
    text = json.dumps(data, indent=indent, default=str, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
