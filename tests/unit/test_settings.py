"""User settings: optional, validated, one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshtui.config.settings import UserSettings, load_settings
from meshtui.domain.errors import ProfileError


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.yaml") == UserSettings()


def test_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("theme: meshtui-light\nkeymap: {overview.describe: D}\nlog_buffer_lines: 5000\n")
    settings = load_settings(path)
    assert settings.theme == "meshtui-light" and settings.keymap == {"overview.describe": "D"}
    assert settings.log_buffer_lines == 5000


@pytest.mark.parametrize("text,where", [("themee: x\n", "themee"), ("log_buffer_lines: 5\n", "log_buffer_lines"),
                                        ("keymap: [1]\n", "keymap"), ("- a\n", "mapping"), ("a: [\n", "YAML")])
def test_bad_files_name_the_problem(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as info:
        load_settings(path)
    assert str(path) in info.value.message and where in info.value.message
