"""The key footer, rebuilt once per batch of binding changes instead of once per change.

Textual's Footer recomposes (unmounts and mounts one widget per key) every time the screen
says its bindings changed. Switching panels says so twice in a row (the tab changes, then the
focus moves into the new panel), so every switch built the footer twice: measured with the
Pilot, the footer was 40-60 % of a panel switch. This footer coalesces the notices that arrive
close together into one rebuild (50 ms after the first notice of a batch), which reads the
bindings as they are then, so it is never stale. Panel keys 1-5 are shown on the tabs themselves and are not
repeated here (`show=False` in the app's bindings).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class CoalescingFooter(Footer):
    """A Footer that rebuilds once per batch of binding changes, however many arrive in it."""

    SETTLE = 0.05
    """Seconds to wait for the rest of a batch (a panel switch's tab and focus notices are two frames apart)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._rebuild_pending = False
        self._changed_screen: Screen[object] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Remember the newest notice; hand one of a batch to the Footer after the next refresh."""
        self._changed_screen = screen
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.set_timer(self.SETTLE, self._rebuild)

    def _rebuild(self) -> None:
        self._rebuild_pending = False
        if self._changed_screen is not None:
            super().bindings_changed(self._changed_screen)
