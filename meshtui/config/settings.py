"""User settings from `~/.config/meshtui/config.yaml`: theme, key remapping, buffers.

Every TUI binding has an id (`overview.describe`, `app.help`, ...); `keymap` maps ids to
keys, exactly as Textual's `App.set_keymap` expects. A bad file is one clear error
naming the file and the field, like a bad profile. Without a file nothing is parsed,
which keeps the TUI's first frame fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from meshtui.config import paths
from meshtui.domain.errors import ProfileError


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


def _validate(data: dict, target: Path) -> UserSettings:
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    class SettingsFile(BaseModel):
        model_config = ConfigDict(extra="forbid")
        theme: str | None = None
        keymap: dict[str, str] = {}
        log_buffer_lines: int = Field(default=20000, ge=100, le=1_000_000)
        refresh_seconds: float = Field(default=2.0, ge=0.5, le=60)

    try:
        parsed = SettingsFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ProfileError(first["msg"], path=str(target), field=".".join(str(p) for p in first["loc"])) from None
    return UserSettings(**parsed.model_dump())


def load_settings(path: Path | None = None) -> UserSettings:
    target = path or paths.user_settings_file()
    if not target.is_file():
        return UserSettings()
    from meshtui.config.loader import read_yaml

    data = read_yaml(target)[1] or {}
    if not isinstance(data, dict):
        raise ProfileError("settings must be a mapping", path=str(target), line=1)
    return _validate(data, target)
