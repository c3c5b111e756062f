"""The shared secret-name check behind DF010, RB010, IMG007 and the compose test."""

from __future__ import annotations

import pytest

from deploycheck.secret_names import is_secret_name


@pytest.mark.parametrize(
    "name",
    ["FLASK_SECRET_KEY", "API_TOKEN_ENCRYPTION_KEY", "POSTGRES_PASSWORD", "SENTRY_DSN", "APIKEY"],
)
def test_names_that_hold_secrets(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["GPG_KEY", "POSTGRES_PASSWORD_FILE", "KEYBOARD_LAYOUT", "PYTHON_IMAGE", "PORT"]
)
def test_names_that_do_not(name: str) -> None:
    assert not is_secret_name(name)
