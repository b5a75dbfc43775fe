"""Keys reach the widget the user now looks at, however busy the app is.

How Textual routes a key: the app takes it from the terminal and forwards it to the
widget focused *at that moment*; the key then travels up that widget's ancestors (one
message queue per hop) and a binding on the way (`/`, `e`, `m`) runs when it reaches
the app. A burst of keys (a paste-speed typist, keys queued while the app was busy) is
forwarded before the first key's binding has run, so `/catalog` put `catalog` into the
pods table, where `l` opened the Logs panel. And a screen just pushed (ctrl+p, a form)
has no focused input until it has mounted, so keys typed at once fell on the screen.

`KeyRouter` (an `App` mixin, public Textual API only) routes keys one at a time when it
matters: after forwarding a key the focused widget does not consume as text, it holds
the following keys until that key has been handled (a `KeySettled` message sent behind
it along the same path has reached the app), until focus changes queued by its handler
have run, and, when the key opened or closed a screen, until that screen has mounted and
taken focus. A key a priority binding handled on the spot (`/` on the Overview, ctrl+p)
waits only for what its action deferred. Printable keys into an input (the common case
while typing) are not held.
Keys are never dropped: a held key is released after `SETTLE_LIMIT` at the latest.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import events
from textual.app import ScreenStackError
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App

    _AppBase = App[object]
else:
    _AppBase = object

SETTLE_LIMIT = 5.0
CHECK_EVERY = 0.1
ROUNDS = 2


class KeySettled(Message):
    """Sent behind a key along its path; when it reaches the app, the key has been handled.

    A second one follows the first: a binding's action often posts a message of its own
    (Input's Enter posts `Submitted`, whose handler moves the focus), and that message is
    queued ahead of the second round on the same path.
    """

    def __init__(self, screen: Screen[object], target: DOMNode, round: int = 1) -> None:
        super().__init__()
        self.screen = screen
        self.target = target
        self.round = round


class KeyRouter(_AppBase):
    """Mixin for the `App`: the next key is routed only once the previous one has taken effect."""

    _held_keys: list[events.Key] | None = None
    _settling: KeySettled | None = None
    _settle_started = 0.0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            await self._route_key(event)
            return
        await super().on_event(event)

    @property
    def keys_held(self) -> int:
        """Keys waiting for an earlier key to take effect (tests and diagnostics)."""
        return len(self._held_keys or ())

    def _current_screen(self) -> Screen[object] | None:
        try:
            return self.screen
        except ScreenStackError:  # starting up or shutting down
            return None

    async def _route_key(self, event: events.Key) -> None:
        screen = self._current_screen()
        if screen is None:
            await super().on_event(event)
            return
        target: DOMNode = screen.focused or screen
        if screen.focused is not None and screen.focused.check_consume_key(event.key, event.character):
            await super().on_event(event)  # text into an input: where the next key goes cannot change
            return
        self._held_keys = []
        await super().on_event(event)  # priority bindings run now; anything else is forwarded to `target`
        settled = KeySettled(screen, target)
        self._settling = settled
        self._settle_started = time.monotonic()
        if not event.is_forwarded or not target.post_message(settled):
            # A priority binding handled it here and now (or the target is closing): only what its
            # action deferred (a `focus()`, a pushed screen) is left to wait for.
            self.call_later(self._after_key, settled)
            return
        self.set_timer(CHECK_EVERY, lambda: self._check_settling(settled))

    def on_key_settled(self, message: KeySettled) -> None:
        message.stop()
        if message is not self._settling:
            return
        if message.round < ROUNDS and self._current_screen() is message.screen and message.target.is_attached:
            follow = KeySettled(message.screen, message.target, message.round + 1)
            self._settling = follow
            if message.target.post_message(follow):
                self.set_timer(CHECK_EVERY, lambda: self._check_settling(follow))
                return
        # Focus changes the key's handler queued (`Widget.focus()` defers them) run before the next key.
        self.call_later(self._after_key, self._settling)

    def _check_settling(self, settled: KeySettled) -> None:
        """Never hold keys for ever: give up on a key whose path was torn down, or after SETTLE_LIMIT."""
        if self._settling is not settled:
            return
        if not settled.target.is_attached or time.monotonic() - self._settle_started > SETTLE_LIMIT:
            self.call_later(self._after_key, settled)
        else:
            self.set_timer(CHECK_EVERY, lambda: self._check_settling(settled))

    def _after_key(self, settled: KeySettled) -> None:
        if self._settling is not settled:
            return
        self._settling = None
        current = self._current_screen()
        if current is not None and current is not settled.screen:
            # The key pushed or popped a screen: its Compose, Mount and ScreenResume (which focuses an
            # input) are queued on it; a callback queued behind them comes back when it is ready.
            if current.call_later(self.call_later, self._release_keys):
                return
        self.call_later(self._release_keys)

    async def _release_keys(self) -> None:
        queue, self._held_keys = self._held_keys or [], None
        while queue:
            await self._route_key(queue.pop(0))
            if self._held_keys is not None:  # that key must take effect before the rest
                self._held_keys[:0] = queue
                return
