"""Helpers the app-on-real-services tests share: the production secrets, the Redis keys the app
wrote, the migration step and a teacher's token made with the CLI (the API client and login form
are in ``tests.app_helpers``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from cryptography.fernet import Fernet
from flask import Flask
from flask_migrate import upgrade
from redis.connection import AbstractConnection

from tests.app_helpers import PASSWORD, TEACHER

ORIGIN = "https://grades.example.com"
# Random per run, as production's must be: nothing may depend on a known value.
SECRET_KEY = secrets.token_urlsafe(48)
ENCRYPTION_KEY = Fernet.generate_key().decode()
# The prefixes the app and its libraries write under (app/cache.py, app/sessions.py and
# limits' RedisStorage): the tests look for exactly these to prove where state lives.
CACHE_PREFIX = "gradetracker:"
SESSION_PREFIX = "gradetracker:session:"
LIMITER_PREFIX = "LIMITS:LIMITER/"


def at_revision(app: Flask, revision: str, pg_conn: Any, rows: Iterable[str]) -> Flask:
    """``app`` with its PostgreSQL migrated to ``revision`` and given ``rows`` (INSERT
    statements, through ``pg_conn``): the database a migration's test upgrades from."""
    with app.app_context():
        upgrade(revision=revision)
    for statement in rows:
        pg_conn.execute(statement)
    return app


def teacher_token(app: Flask, name: str, email: str = TEACHER) -> str:
    """A token called ``name`` for the teacher ``email`` (signing in with ``PASSWORD``), both
    made with the commands an operator runs: ``create-teacher``, ``create-token --teacher``."""
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-teacher", email], input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    result = runner.invoke(args=["create-token", name, "--teacher", email])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def redis_keys(client: redis.Redis, prefix: str) -> set[str]:
    """Every key in the Redis behind ``client`` that starts with ``prefix``."""
    return {key.decode() for key in client.scan_iter(match=prefix + "*")}


@contextmanager
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every packed write (one command or one pipeline) sent to Redis inside the block."""
    sent: list[Any] = []
    send: Callable[..., None] = AbstractConnection.send_packed_command

    def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        sent.append(command)
        send(self, command, check_health)

    with monkeypatch.context() as patch:
        patch.setattr(AbstractConnection, "send_packed_command", counting)
        yield sent


def commands(sent: list[Any]) -> list[bytes]:
    """The start of each packed command ``round_trips`` saw, for a readable failure."""
    return [bytes(b"".join(c) if isinstance(c, list) else c)[:80] for c in sent]


def migrate(app: Flask) -> None:
    """Apply every migration to ``app``'s database, as render.yaml's pre-deploy command does."""
    with app.app_context():
        upgrade()
