"""Errors the simulated API server answers with, worded as the real one words them.

`ApiError` becomes a `kind: Status` body. Validation failures are lists of
`FieldError` (apimachinery's `field.Error`): a type, a field path, the bad value and a
detail, rendered as `metadata.name: Invalid value: "Bad": a lowercase RFC 1123 ...`
with the value quoted the way Go's `%q` quotes it (so an ESC in a name comes back as
`\\x1b`, never raw). `invalid()` builds the 422 exactly as `errors.NewInvalid` does:
reason `Invalid`, message `Kind.group "name" is invalid: ...` (one error, or several
in brackets), and one `details.causes` entry per error with its field path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    """An error the server answers as a `kind: Status` object."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None,
                 metadata: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details
        self.metadata = metadata or {}
        """The Status's ListMeta (an expired list's `continue` token for the rest)."""

    def status(self) -> dict:
        body = {"kind": "Status", "apiVersion": "v1", "metadata": dict(self.metadata), "status": "Failure",
                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


_JSON_TYPES = {bool: "bool", int: "number", float: "number", str: "string", list: "array", dict: "object",
               type(None): "null"}


class TypeMismatch(Exception):
    """A field of the wrong JSON type: the server cannot even decode the body (400, not 422)."""

    def __init__(self, path: str, value: Any, go_type: str) -> None:
        super().__init__(f"json: cannot unmarshal {_JSON_TYPES.get(type(value), 'value')} into Go struct field "
                         f"{path} of type {go_type}")


def integer(value: Any, path: str) -> int:
    """`value` as a Go integer field, or TypeMismatch."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeMismatch(path, value, "int32")
    return value


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's `strconv.Quote`: printable runes kept, controls as `\\xHH`, other non-printables `\\uHHHH`."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and not 0xD800 <= code <= 0xDFFF:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


# field.ErrorType: the cause reason and the words that start the message.
TYPES = {"Invalid": ("FieldValueInvalid", "Invalid value"), "Required": ("FieldValueRequired", "Required value"),
         "Forbidden": ("FieldValueForbidden", "Forbidden"), "Duplicate": ("FieldValueDuplicate", "Duplicate value"),
         "NotSupported": ("FieldValueNotSupported", "Unsupported value"), "TooLong": ("FieldValueTooLong", "Too long"),
         "NotFound": ("FieldValueNotFound", "Not found")}
_NO_VALUE = ("Required", "Forbidden", "TooLong")


class GoRepr(str):
    """A value already rendered the way Go's `%#v` prints it (shown as is)."""


def go_map(mapping: dict) -> GoRepr:
    """A `map[string]string` as `%#v` prints it: keys sorted, values quoted."""
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(mapping.items()))
    return GoRepr(f"map[string]string{{{items}}}")


def render_value(value: Any) -> str:
    """A bad value as Go's `%v`/`%q` prints it (structs are approximated as compact JSON)."""
    if isinstance(value, GoRepr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class FieldError:
    """One validation failure at a field path."""

    type: str
    field: str
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        text = TYPES[self.type][1]
        if self.type not in _NO_VALUE:
            text += ": " + render_value(self.value)
        return f"{text}: {self.detail}" if self.detail else text

    def text(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict:
        return {"reason": TYPES[self.type][0], "message": self.body(), "field": self.field}


def invalid_value(field: str, value: Any, detail: str) -> FieldError:
    return FieldError("Invalid", field, value, detail)


def required(field: str, detail: str = "") -> FieldError:
    return FieldError("Required", field, "", detail)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError("Forbidden", field, "", detail)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError("Duplicate", field, value)


def not_supported(field: str, value: Any, allowed: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(v) for v in allowed) if allowed else ""
    return FieldError("NotSupported", field, value, detail)


def too_long(field: str, limit: int) -> FieldError:
    return FieldError("TooLong", field, "", f"must have at most {limit} bytes")


Cause = FieldError | dict


def _text(cause: Cause) -> str:
    if isinstance(cause, FieldError):
        return cause.text()
    return f"{cause.get('field', '')}: {cause.get('message', '')}"


def invalid(kind: str, group: str, name: str, causes: list[Cause]) -> ApiError:
    """`errors.NewInvalid`: 422 Invalid with one `details.causes` entry per error."""
    seen: list[str] = []
    for cause in causes:
        text = _text(cause)
        if text not in seen:
            seen.append(text)
    summary = seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
    qualified = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {"name": name, "kind": kind,
                               "causes": [c.cause() if isinstance(c, FieldError) else c for c in causes]}
    if group:
        details["group"] = group
    return ApiError(422, "Invalid", f"{qualified} {go_quote(name)} is invalid: {summary}", details)
