"""`?`: every binding of every panel, with its id (for remapping) and write marker."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from meshtui.ui.actions import ActionInfo


class HelpScreen(ModalScreen[None]):
    """The help overlay."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 96; height: 90%; border: thick $primary; background: $surface; }
    HelpScreen #help-title { height: auto; padding: 0 1; background: $primary; color: $text; }
    HelpScreen DataTable { height: 1fr; }
    """

    def __init__(self, actions: list[ActionInfo], read_only: bool, note: str = "") -> None:
        super().__init__()
        self.actions = actions
        self.read_only = read_only
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            title = ("Keys — remap any of them by id in ~/.config/meshtui/config.yaml (keymap: {id: key}).  "
                     "✎ = writes to the cluster" + ("; hidden under --read-only" if self.read_only else ""))
            yield Static(title + (f"\n{self.note}" if self.note else ""), id="help-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="help-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("panel", "key", "action", "id", "")
        for info in self.actions:
            hidden = info.write and self.read_only
            style = "dim strike" if hidden else ""
            table.add_row(info.panel, Text(info.key, style="bold"), Text(info.description, style=style), info.id,
                          "✎" if info.write else "")
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
