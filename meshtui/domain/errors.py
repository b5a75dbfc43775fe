"""Errors that carry their own exit code and a user-facing message.

The CLI maps each error to one line on stderr and its exit code (0 ok, 1 failed,
2 usage or bad input, 3 refused by the safety guard); the TUI shows the same text
as a notification. Nothing above the adapters should ever let a traceback escape.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


class MeshtuiError(Exception):
    """A failure the user can act on; `hint` is the command or step that fixes it."""

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(MeshtuiError):
    """Bad flags, bad arguments or bad input files (exit 2)."""

    exit_code = EXIT_USAGE


class ProfileError(UsageError):
    """A profile or tour file that cannot be used; names the file and line or field."""

    def __init__(self, message: str, *, path: str, line: int | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        if field:
            where = f"{where}: {field}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line
        self.field = field
        self.detail = message


class GuardRefused(MeshtuiError):
    """A write against a cluster the safety guard does not consider local (exit 3)."""

    exit_code = EXIT_REFUSED


class ClusterUnreachable(MeshtuiError):
    """The API server could not be reached or the kubeconfig/context is unusable."""


class Conflict(MeshtuiError):
    """Someone else changed the object since we read it (HTTP 409)."""

    def __init__(self, message: str, *, current: dict | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.current = current


class NotFound(MeshtuiError):
    """The object or resource type does not exist on the cluster (HTTP 404)."""
