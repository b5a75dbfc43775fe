"""An Input that applies every key in the order it was typed, however busy the app is.

Textual's `Input` inserts printable characters as soon as their key event reaches it,
but its editing keys (backspace, delete, arrows, home/end, enter...) are bindings that
run only after the key event has bubbled up through every parent to the App. When the
app is busy (a log flood) that trip takes longer than typing the next characters, so a
burst of backspaces was applied after the characters typed behind it and ate them:
`deploy/catalog-v1 status=5xx` was submitted as `deploy/catalo`. Here the Input's own
bindings run where the key arrives, in order, and the key goes no further.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


def _local_actions() -> dict[str, str]:
    actions: dict[str, str] = {}
    for binding in Input.BINDINGS:
        if isinstance(binding, Binding):
            for key in binding.key.split(","):
                actions[key.strip()] = binding.action
    return actions


class QueryInput(Input):
    """`Input` whose editing keys keep their place among the typed characters; Esc posts `Escaped`."""

    LOCAL_ACTIONS = _local_actions()

    class Escaped(Message):
        """Escape was pressed in the box (the owner decides what it cancels)."""

    async def on_key(self, event: events.Key) -> None:
        """Runs before Input's own handler; `prevent_default()` keeps that one from seeing the key."""
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.post_message(self.Escaped())
            return
        action = self.LOCAL_ACTIONS.get(event.key)
        if action is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)
