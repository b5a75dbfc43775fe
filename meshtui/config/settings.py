"""User settings from `~/.config/meshtui/config.yaml`: theme and key remapping.

Every TUI binding has an id (`overview.describe`, `app.help`, ...); `keymap` maps ids to
keys, exactly as Textual's `App.set_keymap` expects. A bad file is one clear error
naming the file and line, like a bad profile.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from meshtui.config import paths
from meshtui.domain.errors import ProfileError


class UserSettings(BaseModel):
    """Personal preferences; nothing here changes what meshtui does to a cluster."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    theme: str | None = None
    """Textual theme name, e.g. meshtui-dark, meshtui-light, nord, gruvbox."""
    keymap: dict[str, str] = {}
    """Binding id -> key(s), e.g. {"overview.describe": "D", "app.quit": "q,ctrl+c"}."""
    log_buffer_lines: int = 20000
    """Lines kept by the Logs panel before the oldest are dropped from the view."""
    refresh_seconds: float = 2.0
    """Default refresh interval of the Resources panel."""


def load_settings(path: Path | None = None) -> UserSettings:
    target = path or paths.user_settings_file()
    if not target.is_file():
        return UserSettings()
    try:
        data = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read: {exc}", path=str(target)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProfileError(f"YAML syntax error: {getattr(exc, 'problem', exc)}", path=str(target),
                           line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ProfileError("settings must be a mapping", path=str(target), line=1)
    try:
        return UserSettings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ProfileError(first["msg"], path=str(target), field=field) from None
