"""Every filesystem location meshtui reads or writes, in one place.

User files follow the XDG base directories so tests can redirect them with
environment variables; shipped files (profiles, assets) are found next to the
package in a checkout, or under `<prefix>/share/meshtui` in a wheel install.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "meshtui"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _xdg(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / default


def config_dir() -> Path:
    """User configuration: keymap/theme settings and user profiles and tours."""
    return _xdg("XDG_CONFIG_HOME", ".config") / APP


def state_dir() -> Path:
    """Mutable state: provisioning journals, the contexts meshtui created, the sim kubeconfig."""
    return _xdg("XDG_STATE_HOME", ".local/state") / APP


def _shipped(name: str) -> Path:
    """Find a shipped top-level directory (`profiles` or `assets`)."""
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / APP / name


def assets_dir() -> Path:
    """Shipped runtime files: app manifests, Dockerfiles, Istio overlays, tours."""
    override = os.environ.get("MESHTUI_ASSETS_DIR")
    return Path(override) if override else _shipped("assets")


def shipped_profiles_dir() -> Path:
    """The profiles that come with meshtui."""
    return _shipped("profiles")


def profile_dirs() -> list[Path]:
    """Directories searched for profiles, highest precedence first."""
    dirs: list[Path] = []
    override = os.environ.get("MESHTUI_PROFILES_DIR")
    if override:
        dirs.append(Path(override))
    dirs.append(config_dir() / "profiles")
    dirs.append(shipped_profiles_dir())
    return dirs


def user_settings_file() -> Path:
    """Optional YAML with `theme` and `keymap` (binding id -> keys)."""
    return config_dir() / "config.yaml"
