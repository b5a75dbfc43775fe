"""Asks before anything destructive; `y` or Enter on Yes confirms, anything else cancels.

The question, and the line that asks for the answer, stay on screen with the buttons
whatever the length of the detail (a diff of any size): they are docked at the top and
the bottom of the dialog, and only the detail between them scrolls (arrow keys, page
keys, the mouse wheel). The dialog is as tall as its content, up to 90 % of the screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def _text(value: str | Text) -> Text:
    return value if isinstance(value, Text) else Text(value)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question with an optional scrolling detail; dismisses with True only on an explicit yes."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", id="confirm.yes"),
                Binding("n,escape", "answer(False)", "No", id="confirm.no"),
                Binding("down,j", "scroll('down')", "Scroll", show=False, id="confirm.down"),
                Binding("up,k", "scroll('up')", "Scroll", show=False, id="confirm.up"),
                Binding("pagedown", "scroll('page_down')", "Page", show=False, id="confirm.page_down"),
                Binding("pageup", "scroll('page_up')", "Page", show=False, id="confirm.page_up")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #dialog { width: 100; max-width: 96%; height: auto; max-height: 90%; padding: 0 2;
                              border: thick $warning; background: $surface; }
    ConfirmScreen #question { dock: top; height: auto; padding: 1 0 1 0; background: $surface; }
    ConfirmScreen #detail { height: auto; }
    ConfirmScreen #answer { dock: bottom; height: auto; padding: 1 0 0 0; background: $surface; }
    ConfirmScreen #ask { height: auto; text-style: bold; }
    ConfirmScreen #buttons { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """

    def __init__(self, question: str | Text, yes_label: str = "Yes", detail: str | Text | None = None,
                 ask: str | Text | None = None) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes_label
        self.detail = detail
        self.ask = ask

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(_text(self.question), id="question")
            with Vertical(id="answer"):
                if self.ask is not None:
                    yield Static(_text(self.ask), id="ask")
                with Horizontal(id="buttons"):
                    yield Button("No", id="no", variant="default")
                    yield Button(self.yes_label, id="yes", variant="error")
            yield Static(_text(self.detail) if self.detail is not None else Text(""), id="detail")

    def on_mount(self) -> None:
        self.query_one("#detail").display = self.detail is not None
        self.query_one("#no", Button).focus()

    def text(self) -> str:
        """Everything the dialog says (question, detail, the ask line), as plain text."""
        parts = [self.question, self.detail, self.ask]
        return "\n".join(_text(p).plain for p in parts if p is not None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_scroll(self, how: str) -> None:
        dialog = self.query_one("#dialog", VerticalScroll)
        {"down": dialog.scroll_down, "up": dialog.scroll_up, "page_down": dialog.scroll_page_down,
         "page_up": dialog.scroll_page_up}[how]()
