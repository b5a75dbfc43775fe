"""User settings from `~/.config/meshtui/config.yaml`: theme, key remapping, buffers, local contexts.

Every TUI binding has an id (`overview.describe`, `app.help`, ...); `keymap` maps ids to
keys, exactly as Textual's `App.set_keymap` expects. A bad file is one clear error
naming the file and the field, like a bad profile. Without a file nothing is parsed,
which keeps the TUI's first frame fast.

`local_contexts` is the one setting that changes what meshtui may do: each entry pins a
context name together with its exact server URL as local for the safety guard (a
cluster in a VM on a private address, say). A pin never matches another server, so a
kubeconfig edited to point the same name elsewhere is REMOTE again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from meshtui.config import paths
from meshtui.domain.cluster import Pin
from meshtui.domain.errors import ProfileError
from meshtui.domain.text import inert

if TYPE_CHECKING:
    import yaml


@dataclass(frozen=True)
class UserSettings:
    """Personal preferences; nothing here changes what meshtui does to a cluster."""

    theme: str | None = None
    """Textual theme name, e.g. meshtui-dark, meshtui-light, nord, gruvbox."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> key(s), e.g. {"overview.describe": "D", "app.quit": "q,ctrl+c"}."""
    log_buffer_lines: int = 20000
    """Lines kept by the Logs panel before the oldest are dropped from the view."""
    refresh_seconds: float = 2.0
    """Default refresh interval of the Resources panel."""
    local_contexts: tuple[Pin, ...] = ()
    """Contexts the safety guard treats as local: `[{context: NAME, server: URL}]`, both matched exactly."""


def _validate(data: dict, target: Path, root: yaml.Node | None = None) -> UserSettings:
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    class LocalContext(BaseModel):
        model_config = ConfigDict(extra="forbid")
        context: str = Field(min_length=1)
        server: str = Field(min_length=1)

    class SettingsFile(BaseModel):
        model_config = ConfigDict(extra="forbid")
        theme: str | None = None
        keymap: dict[str, str] = {}
        log_buffer_lines: int = Field(default=20000, ge=100, le=1_000_000)
        refresh_seconds: float = Field(default=2.0, ge=0.5, le=60)
        local_contexts: list[LocalContext] = []

    try:
        parsed = SettingsFile.model_validate(data)
    except ValidationError as exc:
        from meshtui.config.loader import _describe
        from meshtui.config.safe_yaml import line_of as _line_of

        # a misspelt key also makes the right one "missing": report the misspelling, with its did-you-mean
        first = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        message, hint = _describe(first, SettingsFile)
        raise ProfileError(inert(message), path=str(target), line=_line_of(root, tuple(first["loc"])),
                           field=".".join(str(p) for p in first["loc"]), hint=hint) from None
    pins = tuple(Pin(entry.context, entry.server) for entry in parsed.local_contexts)
    return UserSettings(theme=parsed.theme, keymap=dict(parsed.keymap), log_buffer_lines=parsed.log_buffer_lines,
                        refresh_seconds=parsed.refresh_seconds, local_contexts=pins)


def load_settings(path: Path | None = None) -> UserSettings:
    target = path or paths.user_settings_file()
    if not target.is_file():
        return UserSettings()
    from meshtui.config.loader import read_yaml

    root, data = read_yaml(target)
    if data is None:
        return UserSettings()
    if not isinstance(data, dict):
        raise ProfileError("settings must be a mapping", path=str(target), line=1)
    return _validate(data, target, root)
