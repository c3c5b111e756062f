"""Helpers the app-on-real-services tests share: the production secrets, the Redis keys the app
wrote and the migration step (the API client and login form are in ``tests.app_helpers``)."""

from __future__ import annotations

import secrets

import redis
from cryptography.fernet import Fernet
from flask import Flask
from flask_migrate import upgrade

ORIGIN = "https://grades.example.com"
# Random per run, as production's must be: nothing may depend on a known value.
SECRET_KEY = secrets.token_urlsafe(48)
ENCRYPTION_KEY = Fernet.generate_key().decode()
# The prefixes the app and its libraries write under (app/reports.py, app/sessions.py and
# limits' RedisStorage): the tests look for exactly these to prove where state lives.
CACHE_PREFIX = "gradetracker:"
SESSION_PREFIX = "gradetracker:session:"
LIMITER_PREFIX = "LIMITS:LIMITER/"


def redis_keys(client: redis.Redis, prefix: str) -> set[str]:
    """Every key in the Redis behind ``client`` that starts with ``prefix``."""
    return {key.decode() for key in client.scan_iter(match=prefix + "*")}


def migrate(app: Flask) -> None:
    """Apply every migration to ``app``'s database, as render.yaml's pre-deploy command does."""
    with app.app_context():
        upgrade()
