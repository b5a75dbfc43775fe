"""The key bar at the bottom: the screen's keys drawn as one line of text by one widget.

Textual's Footer unmounts and mounts one widget per key whenever the screen says its
bindings changed, and each new key widget restyles itself: profiled with a 1.5 s API
latency, rebuilding it was the largest cost of a panel switch (~25 keys, ~5 ms each).
This bar reads the same bindings (`Screen.active_bindings`, shown ones only, grouped the
way Footer groups them), renders them into one `Text`, and remembers each key's columns
so a click still runs the key. A change costs one repaint, whatever the number of keys;
the same keys published again cost none.
Keys that do not fit are dropped from the right and counted ("+3 more: ? help").
Panel keys 1-5 are on the tabs and not repeated here (`show=False` in the app's bindings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True)
class KeySpan:
    """One key on the bar: what it runs and which columns it takes (end exclusive)."""

    key: str
    action: str
    enabled: bool
    start: int
    end: int


@dataclass(frozen=True)
class _Item:
    keys: tuple[tuple[str, str, bool], ...]  # (key, shown as, enabled)
    actions: tuple[str, ...]
    description: str


class KeyBar(Widget, can_focus=False):
    """The screen's shown keys, one line, one widget (see the module docstring)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[_Item] = []
        self.palette: _Item | None = None
        self.spans: list[KeySpan] = []
        """The keys drawn by the last render, left to right (the palette key last)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.app.app_focus or screen is not self.screen:
            return  # the terminal lost focus: keep the keys the user will come back to
        active = screen.active_bindings
        shown = [(binding, enabled) for (_, binding, enabled, _) in active.values() if binding.show]
        by_action: dict[str, list[tuple[Binding, bool]]] = {}
        for binding, enabled in shown:
            by_action.setdefault(binding.action, []).append((binding, enabled))
        firsts = [pairs[0] for pairs in by_action.values()]
        items: list[_Item] = []
        index = 0
        while index < len(firsts):
            group = firsts[index][0].group
            run = 1
            while group is not None and index + run < len(firsts) and firsts[index + run][0].group is group:
                run += 1
            if group is not None and run > 1:
                members = firsts[index:index + run]
                items.append(_Item(tuple((b.key, self.app.get_key_display(b), e) for b, e in members),
                                   tuple(b.action for b, _ in members), group.description))
            else:
                binding, enabled = firsts[index]
                items.append(_Item(((binding.key, self.app.get_key_display(binding), enabled),),
                                   (binding.action,), binding.description))
            index += run
        palette_item = None
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        if palette is not None:
            _, binding, enabled, _ = palette
            palette_item = _Item(((binding.key, self.app.get_key_display(binding), enabled),), (binding.action,),
                                 binding.description)
        if items == self.items and palette_item == self.palette:
            return  # the same keys (focus moved within a panel, a panel switch published twice): no repaint
        self.items, self.palette = items, palette_item
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        off_style = self.get_component_rich_style("key-bar--disabled")
        right = self._width(self.palette) + 1 if self.palette is not None else 0
        text, spans = Text(no_wrap=True, overflow="crop"), []
        for number, item in enumerate(self.items):
            more = len(self.items) - number - 1
            reserve = right + (len(f" +{more} more: ? help") if more else 0)
            if text.cell_len + self._width(item) + reserve > width:
                text.append(f" +{len(self.items) - number} more: ? help", style=text_style)
                break
            spans += self._draw(text, item, key_style, text_style, off_style)
        if self.palette is not None and text.cell_len + right <= width:
            text.append(" " * (width - text.cell_len - right + 1))
            spans += self._draw(text, self.palette, key_style, text_style, off_style)
        self.spans = spans
        return text

    @staticmethod
    def _width(item: _Item) -> int:
        keys = sum(len(shown) + 2 for _, shown, _ in item.keys)
        return keys + len(item.description) + 1

    @staticmethod
    def _draw(text: Text, item: _Item, key_style: Style, text_style: Style, off_style: Style) -> list[KeySpan]:
        spans = []
        for (key, shown, enabled), action in zip(item.keys, item.actions, strict=True):
            start = text.cell_len
            text.append(f" {shown} ", style=key_style if enabled else off_style)
            spans.append(KeySpan(key, action, enabled, start, text.cell_len))
        text.append(f"{item.description} ", style=text_style if item.keys[0][2] else off_style)
        if len(spans) == 1:  # a lone key's description is part of what a click hits
            spans[0] = KeySpan(spans[0].key, spans[0].action, spans[0].enabled, spans[0].start, text.cell_len)
        return spans

    def on_click(self, event: events.Click) -> None:
        span = next((s for s in self.spans if s.start <= event.x < s.end), None)
        if span is None:
            return
        if span.enabled:
            self.app.simulate_key(span.key)
        else:
            self.app.bell()
