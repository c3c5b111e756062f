from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.limits import limiter


def test_health_ok_without_redis(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/for/tests/db.sqlite",
        "postgresql+psycopg://gt:pw@127.0.0.1:1/gradetracker",
    ],
)
def test_health_503_names_the_database_when_it_is_unreachable(
    app_config: dict[str, Any], url: str
) -> None:
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    response = app.test_client().get("/health")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["database"].startswith("error: ")
    assert "pw" not in body["database"]


def test_health_degraded_when_redis_is_down(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limiter is a process-wide singleton that remembers a dead storage; undo that
    # afterwards so later apps in this test process start with a healthy limiter.
    monkeypatch.setattr(limiter, "_storage_dead", False)
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_ENABLED=True).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "redis": "error"}
    # The app keeps serving: sessions, report cache and limiter all fall back.
    assert client.get("/api/v1/courses").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/students/1/gpa").status_code == 404


def test_health_is_not_rate_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [client.get("/health").status_code for _ in range(4)] == [200] * 4
    assert [client.get("/api/v1/courses").status_code for _ in range(3)] == [200, 200, 429]
