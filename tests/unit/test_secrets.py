"""Secrets are masked wherever text is shown."""

from __future__ import annotations

from meshtui.domain.secrets import MASK, Masker, is_secret_key


def test_secret_keys_by_convention() -> None:
    for key in ("JWT_SECRET", "DB_PASSWORD", "DATABASE_URL", "API_KEY", "GITHUB_TOKEN", "MYSQL_ROOT_PASSWORD"):
        assert is_secret_key(key), key
    for key in ("MYSQL_USER", "PORT", "HOSTNAME", "LOG_FORMAT"):
        assert not is_secret_key(key), key


def test_known_values_and_url_passwords_are_masked() -> None:
    masker = Masker(["s3cr3t-value"])
    assert masker.mask("token=s3cr3t-value;") == f"token={MASK};"
    assert masker.mask("mysql://demo:hunter2@db:3306/x") == f"mysql://demo:{MASK}@db:3306/x"
    assert masker.mask_value("JWT_SECRET", "anything") == MASK
    assert masker.mask_value("MYSQL_USER", "testuser") == "testuser"


def test_short_secrets_only_mask_whole_values() -> None:
    masker = Masker(["pw"])
    assert masker.mask("pw") == MASK
    assert masker.mask("/home/pwd") == "/home/pwd"
