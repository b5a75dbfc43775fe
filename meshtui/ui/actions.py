"""Binding ids, which actions write to the cluster, and where the keymap comes from.

Every binding has an id so `~/.config/meshtui/config.yaml` can remap it; write actions
are listed here so the help overlay can mark them and `--read-only` can hide them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

WRITE_ACTIONS = {
    "overview.delete_pod", "traffic.apply", "traffic.shift_left", "traffic.shift_right", "traffic.preset_stable",
    "traffic.preset_canary", "traffic.preset_half", "traffic.preset_flip", "traffic.preset_bluegreen",
    "traffic.match", "traffic.fault", "traffic.mirror", "traffic.timeout", "traffic.breaker", "traffic.undo",
    "traffic.reset", "setup.up", "setup.down", "setup.retry", "setup.metrics",
}


@dataclass(frozen=True)
class ActionInfo:
    """One binding as the help overlay and the command palette list it."""

    panel: str
    id: str
    key: str
    action: str
    description: str
    write: bool


def describe_bindings(panel: str, bindings: list[Binding | tuple], keymap: dict[str, str]) -> list[ActionInfo]:
    out = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            binding = Binding(*binding)
        binding_id = binding.id or f"{panel.lower()}.{binding.action}"
        key = keymap.get(binding_id, binding.key_display or binding.key)
        out.append(ActionInfo(panel, binding_id, key, binding.action, binding.description or binding.action,
                              binding_id in WRITE_ACTIONS))
    return out
