"""`${VAR}` interpolation with the same syntax docker-compose uses.

Supported: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}`
(unset), `${VAR:?message}` / `${VAR?message}` (required), `${VAR:+alt}` / `${VAR+alt}`,
and `$$` for a literal dollar. Defaults may nest (`${A:-x.${B:-y}}`), as in the seed's
compose file. A variable with no value and no default is an error, never an empty string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_NESTING = 16
"""Defaults inside defaults (`${A:-${B:-x}}`) this deep at most: deeper is an error, not a RecursionError."""


def _short(text: str, limit: int = 60) -> str:
    """`text` cut for an error message (a whole file must not end up in one)."""
    return text if len(text) <= limit else text[:limit] + "…"


class InterpolationError(ValueError):
    """A `${VAR}` with no value and no default, or malformed syntax."""

    def __init__(self, message: str, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` matching the `${` whose body starts at `start`."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise InterpolationError(f"unclosed '${{' in {_short(text)!r}")


def _expand_braced(body: str, env: Mapping[str, str], depth: int) -> str:
    match = _NAME.match(body)
    if not match:
        raise InterpolationError(f"invalid variable name in '${{{_short(body)}}}'")
    name = match.group(0)
    rest = body[match.end():]
    value = env.get(name)
    if rest == "":
        if value is None:
            raise InterpolationError(f"variable {name} is not set and has no default", name)
        return value
    for op in (":-", "-", ":?", "?", ":+", "+"):
        if rest.startswith(op):
            arg = rest[len(op):]
            empty_counts = op.startswith(":")
            missing = value is None or (empty_counts and value == "")
            if op.endswith("-"):
                return interpolate(arg, env, _depth=depth + 1) if missing else str(value)
            if op.endswith("?"):
                if missing:
                    detail = interpolate(arg, env, _depth=depth + 1) if arg else "is required"
                    raise InterpolationError(f"variable {name}: {detail}", name)
                return str(value)
            return "" if missing else interpolate(arg, env, _depth=depth + 1)
    raise InterpolationError(f"invalid substitution '${{{_short(body)}}}'", name)


def interpolate(text: str, env: Mapping[str, str], *, _depth: int = 0) -> str:
    """Expand every variable reference in `text` from `env`."""
    if "$" not in text:
        return text
    if _depth > MAX_NESTING:
        raise InterpolationError(f"defaults nested more than {MAX_NESTING} levels deep")
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            out.append(_expand_braced(text[i + 2:end], env, _depth))
            i = end + 1
        else:
            match = _NAME.match(text, i + 1)
            if not match:
                out.append("$")
                i += 1
                continue
            name = match.group(0)
            if name not in env:
                raise InterpolationError(f"variable {name} is not set and has no default", name)
            out.append(env[name])
            i = match.end()
    return "".join(out)
