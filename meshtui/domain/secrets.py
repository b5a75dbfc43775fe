"""Recognising and masking secrets before anything reaches a screen, log or file.

A value is secret when its key looks like one (PASSWORD, SECRET, TOKEN, KEY, ...) or
when the profile lists it; credentials embedded in URLs (`mysql://user:pw@host`) are
masked too. The CLI output writer and the TUI pass all text through one `Masker`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "••••••"
_SECRET_KEY = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|AUTH|DATABASE_URL|DSN|_KEY$)",
                         re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{0,31}://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")


def is_secret_key(key: str) -> bool:
    """True when an environment key names a secret by convention."""
    return bool(_SECRET_KEY.search(key))


class Masker:
    """Replaces known secret values and URL passwords in any text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._short: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Learn more secret values."""
        # Longest first so a secret containing another is masked whole; very short
        # values would mask innocent text, so they are only masked as whole values.
        self._secrets = sorted({*self._secrets, *(s for s in secrets if s)}, key=len, reverse=True)
        self._short = {s for s in self._secrets if len(s) < 4}

    @property
    def knows_secrets(self) -> bool:
        """True once any secret value was learned (without one, only URL passwords are masked)."""
        return bool(self._secrets)

    def mask_value(self, key: str, value: str) -> str:
        """Mask an environment value by its key, then by content."""
        if is_secret_key(key) and value:
            return MASK
        return self.mask(value)

    def mask(self, text: str) -> str:
        """Return `text` with every known secret and URL password replaced by the mask."""
        if not text:
            return text
        if not self._secrets and "://" not in text:
            return text
        if text in self._short:
            return MASK
        for secret in self._secrets:
            if secret not in self._short and secret in text:
                text = text.replace(secret, MASK)
        return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
