"""Why a log read failed, in a user's words: the cause a reconnect notice names.

A reconnect notice says what happened ("stream cut", "API answered 500", "timed out after
120 s", "connection refused"), never the text of a urllib3 or kubernetes exception
(`HTTPConnectionPool(...): Read timed out`, `('Connection broken: IncompleteRead(...)')`),
which names library internals and not what the user can do. `--json` gets the same as a
stable `kind` (and the HTTP status of an API error) for programs.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshtui.adapters.kube import ApiUnreachable, KubeApiError, brief
from meshtui.domain.errors import MeshtuiError

__all__ = ["Cause", "cause_of"]


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a read failed, for a notice: a stable `kind` (`stream_cut`, `api_error`, `timeout`, `refused`,
    `cut`, `tls`, `proxy`, `unreachable`), plain words, and the HTTP status of an API error."""

    kind: str
    text: str
    status: int | None = None


def cause_of(exc: BaseException, timeout: object = None) -> Cause:
    """A failed read in a user's words ("stream cut", "API answered 500", "timed out after 120 s",
    "connection refused"), never a library's exception text; `timeout` is the read's (connect, read)."""
    if isinstance(exc, KubeApiError):
        return Cause("api_error", f"API answered {exc.status}", exc.status)
    if isinstance(exc, ApiUnreachable):
        return Cause(exc.kind, exc.cause)
    if isinstance(exc, MeshtuiError):
        return Cause("unreachable", exc.message)
    kind, text = brief(exc, timeout) or ("cut", "")
    return Cause("stream_cut", "stream cut") if kind == "cut" else Cause(kind, text)
