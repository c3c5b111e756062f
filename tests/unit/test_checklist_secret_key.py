"""Checklist item 2 in the app: production refuses every well-known default secret key, in
any letter case, and accepts a random one."""

from __future__ import annotations

import secrets

import pytest

from app import create_app
from app.config import KNOWN_DEFAULT_SECRETS, ConfigError

PRODUCTION = {
    "APP_ENV": "production",
    "SESSION_COOKIE_SECURE": "true",
    "API_TOKEN_ENCRYPTION_KEY": secrets.token_urlsafe(32),
    "CORS_ORIGINS": "https://grades.example.com",
    "DATABASE_URL": "sqlite://",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Every production variable set and valid except FLASK_SECRET_KEY."""
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.mark.checklist(2)
@pytest.mark.parametrize("key", sorted({"dev-secret-key", *KNOWN_DEFAULT_SECRETS}))
def test_production_refuses_a_well_known_secret_key(
    production: pytest.MonkeyPatch, key: str
) -> None:
    """Production refuses to start with a well-known FLASK_SECRET_KEY such as dev-secret-key."""
    production.setenv("FLASK_SECRET_KEY", key.upper())
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY is a well-known default"):
        create_app()


@pytest.mark.checklist(2)
def test_production_starts_with_a_random_secret_key(production: pytest.MonkeyPatch) -> None:
    """A random 48-byte FLASK_SECRET_KEY is accepted and becomes the app's SECRET_KEY."""
    key = secrets.token_urlsafe(48)
    production.setenv("FLASK_SECRET_KEY", key)
    assert create_app().config["SECRET_KEY"] == key
