"""The safety guard: no write reaches a cluster that is not local unless the user says so.

Shared by the CLI (exit code 3) and the TUI (a notice, and write actions hidden under
--read-only). "Local" is decided by `domain.cluster.classify`; this module adds the
user's flags and turns a refusal into an error that names the context and the way out.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshtui.domain.cluster import ContextInfo, Locality, classify
from meshtui.domain.errors import GuardRefused


@dataclass(frozen=True)
class Guard:
    """Whether writes are allowed against one context."""

    context: ContextInfo
    locality: Locality
    allow_remote: bool = False
    read_only: bool = False

    @classmethod
    def for_context(cls, context: ContextInfo, created: frozenset[str] = frozenset(), *, allow_remote: bool = False,
                    read_only: bool = False) -> Guard:
        return cls(context, classify(context, created), allow_remote, read_only)

    @property
    def writes_allowed(self) -> bool:
        return not self.read_only and (self.locality.is_local or self.allow_remote)

    @property
    def writes_visible(self) -> bool:
        """Write actions are shown (maybe refused on use) unless --read-only hides them."""
        return not self.read_only

    def refusal(self, action: str) -> str | None:
        """Why `action` would be refused, or None when it is allowed."""
        if self.read_only:
            return f"{action} refused: meshtui is running with --read-only"
        if not self.locality.is_local and not self.allow_remote:
            return (f"{action} refused: {self.locality.reason}. meshtui only writes to local clusters "
                    "unless started with --allow-remote")
        return None

    def check(self, action: str) -> None:
        """Raise `GuardRefused` (exit 3) when `action` may not write."""
        reason = self.refusal(action)
        if reason is not None:
            hint = None if self.read_only else f"re-run with --allow-remote if you really mean to change {self.context.name!r}"
            raise GuardRefused(reason, hint=hint)
