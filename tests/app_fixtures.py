"""The app's fixtures, in layers, shared by the unit suite (SQLite, in-process cache and limiter)
and the app-on-real-services suite (PostgreSQL and Redis): ``make_app`` -> ``app`` ->
``client`` / ``runner`` -> ``token`` -> ``api``.

Each suite says what its apps are made of: ``app_config`` (the ``test_config`` mapping, on top
of the environment) and ``prepare_app`` (what every app made needs before a test uses it: the
unit suite's schema; nothing for the container suite, whose ``app`` is migrated). A suite may
override any layer (the container suite makes its token with the ``create-token`` command).
Registered for every suite in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app, passwords
from app.tokens import create_token
from tests.app_helpers import ApiClient, add_teacher, dispose

# argon2id at its lowest cost: the default's 64 MiB took 1.5 s a hash on a loaded CI machine,
# and most tests sign in. Same algorithm and code path; only time and memory differ.
TEST_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", TEST_HASHER)


@pytest.fixture
def make_app(
    app_config: dict[str, Any], prepare_app: Callable[[Flask], None]
) -> Iterator[Callable[..., Flask]]:
    """A factory for apps built from ``app_config`` plus overrides, each prepared by the suite
    and disposed of after the test."""
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app({**app_config, **overrides})
        apps.append(app)
        prepare_app(app)
        return app

    yield make
    dispose(apps)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The suite's app, as ``app_config`` makes it."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app`` (it keeps cookies between requests, like a browser)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for ``app``'s ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def token(app: Flask) -> str:
    """A stored (write) API token's plaintext, acting for the teacher ``TEACHER``."""
    teacher_id = add_teacher(app)
    with app.app_context():
        return create_token("tests", teacher_id=teacher_id)


@pytest.fixture
def api(client: FlaskClient, token: str) -> ApiClient:
    """An API client for ``app`` that sends ``token``."""
    return ApiClient(client, token)
