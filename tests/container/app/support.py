"""Helpers the app-on-real-services tests share: an API client holding a bearer token, the
CSRF token of a page, and the Redis keys the app wrote."""

from __future__ import annotations

import re
import secrets
from typing import Any

import redis
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.test import TestResponse

API_PREFIX = "/api/v1"
ORIGIN = "https://grades.example.com"
# Random per run, as production's must be: nothing may depend on a known value.
SECRET_KEY = secrets.token_urlsafe(48)
ENCRYPTION_KEY = Fernet.generate_key().decode()
# The prefixes the app and its libraries write under (app/reports.py, app/sessions.py and
# limits' RedisStorage): the tests look for exactly these to prove where state lives.
CACHE_PREFIX = "gradetracker:"
SESSION_PREFIX = "gradetracker:session:"
LIMITER_PREFIX = "LIMITS:LIMITER/"


class ApiClient:
    """Calls the JSON API with a valid bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(API_PREFIX + path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.post(API_PREFIX + path, json=body, headers=self.headers, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.patch(API_PREFIX + path, json=body, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.delete(API_PREFIX + path, headers=self.headers, **kwargs)

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST and return the created object, failing loudly if it was not created."""
        __tracebackhide__ = True
        response = self.post(path, body)
        assert response.status_code == 201, f"POST {path} {body}: {response.get_json()}"
        return response.get_json()

    def read(self, path: str) -> dict[str, Any]:
        """GET a JSON object, failing loudly unless the answer is 200."""
        __tracebackhide__ = True
        response = self.get(path)
        assert response.status_code == 200, f"GET {path}: {response.get_json()}"
        return response.get_json()


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (fetching the page stores it in the session)."""
    __tracebackhide__ = True
    page = client.get(path)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert match, f"no CSRF token in the form on {path} (status {page.status_code})"
    return match.group(1)


def sign_in(client: FlaskClient, token: str) -> TestResponse:
    """Sign in through the login form, as a browser does."""
    data = {"token": token, "csrf_token": csrf_token(client, "/login")}
    return client.post("/login", data=data)


def redis_keys(client: redis.Redis, prefix: str) -> set[str]:
    """Every key in the Redis behind ``client`` that starts with ``prefix``."""
    return {key.decode() for key in client.scan_iter(match=prefix + "*")}


def migrate(app: Flask) -> None:
    """Apply every migration to ``app``'s database, as render.yaml's pre-deploy command does."""
    with app.app_context():
        upgrade()
