"""A small form modal: labelled inputs (free text or a fixed set of choices), Enter submits.

Used by the Traffic panel for header matches, faults, mirrors, timeouts and breakers.
Dismisses with the values as strings, or None on Escape; the caller validates.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    default: str = ""
    choices: tuple[str, ...] = ()
    placeholder: str = ""


class FormScreen(ModalScreen[dict[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > Vertical { width: 72; height: auto; padding: 1 2; border: thick $primary; background: $surface; }
    FormScreen #form-title { text-style: bold; margin-bottom: 1; }
    FormScreen Label { margin-top: 1; color: $text-muted; }
    FormScreen #form-help { margin-top: 1; color: $text-muted; }
    """

    def __init__(self, title: str, fields: list[Field], help_text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.help_text = help_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="form-title")
            for field in self.fields:
                yield Label(field.label)
                if field.choices:
                    yield Select([(c, c) for c in field.choices], value=field.default or field.choices[0],
                                 allow_blank=False, id=f"field-{field.name}")
                else:
                    yield Input(value=field.default, placeholder=field.placeholder, id=f"field-{field.name}")
            yield Static((self.help_text + "\n" if self.help_text else "") + "Enter submits · Escape cancels",
                         id="form-help")

    def on_mount(self) -> None:
        first = self.query("Input, Select").first()
        if first is not None:
            first.focus()

    def values(self) -> dict[str, str]:
        out = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            out[field.name] = str(widget.value if isinstance(widget, Select) else widget.value).strip()
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)
