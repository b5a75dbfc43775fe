"""A small form modal: labelled inputs (free text or a fixed set of choices), Enter submits.

Used by the Traffic panel for header matches, faults, mirrors, timeouts and breakers.
The caller passes a `check` that turns the values into problems (field, message): while
there are any, the form stays open with everything typed kept, each message under its
field and the first bad field focused. It dismisses with the values only when `check`
has nothing to say, or with None on Escape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from meshtui.domain.text import inert


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    default: str = ""
    choices: tuple[str, ...] = ()
    placeholder: str = ""


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field ('' for the form as a whole)."""

    field: str
    message: str


Check = Callable[[dict[str, str]], list[FieldProblem]]


class FormScreen(ModalScreen[dict[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel"),
                Binding("ctrl+s", "submit", "Submit", id="form.submit")]
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > VerticalScroll { width: 76; height: auto; max-height: 95%; padding: 1 2; border: thick $primary;
                                  background: $surface; }
    FormScreen #form-title { text-style: bold; margin-bottom: 1; }
    FormScreen Label { width: 100%; margin-top: 1; color: $text-muted; }
    FormScreen .field-error { color: $error; height: auto; }
    FormScreen #form-errors { color: $error; height: auto; margin-top: 1; }
    FormScreen #form-help { margin-top: 1; color: $text-muted; width: 100%; height: auto; }
    """

    def __init__(self, title: str, fields: list[Field], help_text: str = "", check: Check | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.help_text = help_text
        self.check = check
        self.problems: list[FieldProblem] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(inert(self.title_text)), id="form-title")
            for field in self.fields:
                yield Label(Text(inert(field.label)))
                if field.choices:
                    default = field.default if field.default in field.choices else field.choices[0]
                    yield Select([(Text(inert(c)), c) for c in field.choices], value=default, allow_blank=False,
                                 id=f"field-{field.name}")
                else:
                    yield Input(value=field.default, placeholder=field.placeholder, id=f"field-{field.name}")
                error = Static("", id=f"error-{field.name}", classes="field-error")
                error.display = False
                yield error
            yield Static("", id="form-errors")
            # directly in the scroll, sized to its wrapped text: a container here would get the height left over
            # (as little as one line) and cut the help off, with nothing to scroll to
            yield Static((self.help_text + "\n" if self.help_text else "") +
                         "Enter submits · Escape cancels · ctrl+s submits from a choice", id="form-help")

    def on_mount(self) -> None:
        first = self.query("Input, Select").first()
        if first is not None:
            first.focus()

    def values(self) -> dict[str, str]:
        out = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            value = widget.value if isinstance(widget, (Input, Select)) else ""
            out[field.name] = str(value).strip() if value is not None else ""
        return out

    def show_problems(self, problems: list[FieldProblem]) -> None:
        """Each message under its field; the rest (and a count) under the form."""
        self.problems = problems
        names = {f.name for f in self.fields}
        for field in self.fields:
            mine = [p.message for p in problems if p.field == field.name]
            error = self.query_one(f"#error-{field.name}", Static)
            error.update(Text("\n".join(f"✘ {inert(m)}" for m in mine)))
            error.display = bool(mine)
        general = [p.message for p in problems if p.field not in names]
        summary = self.query_one("#form-errors", Static)
        summary.update(Text("\n".join(f"✘ {inert(m)}" for m in general)))
        bad = next((p.field for p in problems if p.field in names), None)
        if bad is not None:
            self.query_one(f"#field-{bad}").focus()

    def action_submit(self) -> None:
        values = self.values()
        problems = self.check(values) if self.check is not None else []
        if problems:
            self.show_problems(problems)
            return
        self.dismiss(values)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)
