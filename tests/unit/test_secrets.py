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


def test_a_long_run_before_a_url_is_masked_in_one_pass() -> None:
    """A hostile line: a 2,000,000-character run, then a URL with a password. A scheme pattern that
    retries from every character of the run would take hours here (the suite's timeout fails it)."""
    masked = Masker().mask("x" * 2_000_000 + " see https://user:hunter2@db/x and " + "a://" * 100_000)
    assert "hunter2" not in masked and masked.endswith("a://" * 100_000)
    assert "https://user:" in masked
