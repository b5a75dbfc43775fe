"""Binding ids, which actions write to the cluster, and how keys are shown to users.

Every binding has an id so `~/.config/meshtui/config.yaml` can remap it; write actions
are listed here so the help overlay can mark them and `--read-only` can hide them.
Keys are shown as a user types them (`?`, `+ / =`, `Enter`), never as Textual's key
names (`question_mark`, `plus,equals_sign`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import format_key

WRITE_ACTIONS = {
    "overview.delete_pod", "traffic.apply", "traffic.shift_left", "traffic.shift_right", "traffic.preset_stable",
    "traffic.preset_canary", "traffic.preset_half", "traffic.preset_flip", "traffic.preset_bluegreen",
    "traffic.match", "traffic.fault", "traffic.mirror", "traffic.timeout", "traffic.breaker", "traffic.undo",
    "traffic.reset", "setup.up", "setup.down", "setup.retry", "setup.metrics",
}

_NAMED = {"enter": "Enter", "escape": "Esc", "space": "Space", "tab": "Tab", "backspace": "Backspace",
          "delete": "Del", "insert": "Ins", "home": "Home", "end": "End", "pageup": "PgUp", "pagedown": "PgDn",
          "up": "↑", "down": "↓", "left": "←", "right": "→"}


def key_label(keys: str) -> str:
    """`plus,equals_sign` -> `+ / =`; `question_mark` -> `?`; `ctrl+p` -> `Ctrl+P`; `f6` -> `F6`."""
    labels = []
    for key in (k.strip() for k in keys.split(",")):
        if not key:
            continue
        *modifiers, name = key.split("+") if key != "+" else ["+"]
        if name in _NAMED:
            shown = _NAMED[name]
        elif len(name) > 1 and name[0] == "f" and name[1:].isdigit():
            shown = name.upper()
        else:
            shown = format_key(name)
            if modifiers and len(shown) == 1:
                shown = shown.upper()
        labels.append("+".join([*(m.capitalize() for m in modifiers), shown]))
    return " / ".join(labels)


@dataclass(frozen=True)
class ActionInfo:
    """One binding as the help overlay and the command palette list it."""

    panel: str
    id: str
    key: str
    action: str
    description: str
    write: bool


def describe_bindings(panel: str, bindings: list[Binding | tuple[str, ...]],
                      keymap: dict[str, str]) -> list[ActionInfo]:
    out = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            key, action, *rest = binding
            binding = Binding(key, action, rest[0] if rest else "")
        binding_id = binding.id or f"{panel.lower()}.{binding.action}"
        key = key_label(keymap[binding_id]) if binding_id in keymap else binding.key_display or key_label(binding.key)
        out.append(ActionInfo(panel, binding_id, key, binding.action, binding.description or binding.action,
                              binding_id in WRITE_ACTIONS))
    return out
