"""A read-only text view (YAML of a pod, a diff, a log line in full) with its own title.

The text comes from the cluster or a log: it is made inert (controls and bidi overrides
shown as visible stand-ins, newlines kept) before the TextArea sees it, and the title is
a plain `Text`, so nothing in either is read as markup or reaches the terminal raw.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from meshtui.domain.text import inert_lines
from meshtui.ui.text import safe_text


class TextViewScreen(ModalScreen[None]):
    """Scrollable, selectable, read-only text; Escape, q or the Close button closes (the bar says so)."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="view.close")]
    DEFAULT_CSS = """
    TextViewScreen { align: center middle; }
    TextViewScreen > Vertical { width: 90%; height: 90%; border: thick $primary; background: $surface; }
    TextViewScreen #view-title { height: 1; padding: 0 1; background: $primary; color: $text; text-style: bold; }
    TextViewScreen TextArea { height: 1fr; }
    TextViewScreen #view-bar { height: auto; align: right middle; }
    TextViewScreen #view-hint { width: 1fr; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, title: str, text: str, language: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.language = language

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe_text(self.title_text), id="view-title")
            yield TextArea(inert_lines(self.text), read_only=True, show_line_numbers=True, id="view-text")
            with Horizontal(id="view-bar"):
                yield Static("Esc or q closes this view", id="view-hint")
                yield Button("Close", id="view-close")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "view-close":
            event.stop()
            self.dismiss(None)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
