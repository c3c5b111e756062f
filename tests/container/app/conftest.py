"""The app against the real PostgreSQL and Redis: ``production_env`` (what Render sets, pointing
at the emptied session services) gives ``app_config``; the layers above it are
tests/app_fixtures.py's (``make_app`` -> ``app`` -> ``client`` / ``runner`` -> ``token`` ->
``api``), with ``app`` migrated by Flask-Migrate and ``token`` made by the ``create-token``
command. ``school`` is a graded school created through the API; ``pg_conn`` and
``redis_client`` look at the servers directly, never through the app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
import redis
from flask import Flask

from deploycheck.testing.services import PostgresService, RedisService
from tests.app_helpers import APP_ENV_VARS, ApiClient
from tests.container.app.support import (
    ENCRYPTION_KEY,
    ORIGIN,
    SECRET_KEY,
    migrate,
    teacher_token,
)


@pytest.fixture
def production_env(
    monkeypatch: pytest.MonkeyPatch, clean_postgres: PostgresService, clean_redis: RedisService
) -> dict[str, str]:
    """The production variables (APP_ENV=production, secure cookies, ...) on empty services."""
    for name in APP_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    env = {
        "APP_ENV": "production",
        # Render's short scheme (postgres://, no driver), which SQLAlchemy itself rejects:
        # the app must rewrite it to psycopg 3. postgresql:// has a unit test.
        "DATABASE_URL": clean_postgres.dsn.replace("postgresql://", "postgres://", 1),
        "REDIS_URL": clean_redis.url,
        "FLASK_SECRET_KEY": SECRET_KEY,
        "SESSION_COOKIE_SECURE": "true",
        "API_TOKEN_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "CORS_ORIGINS": ORIGIN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def app_config(production_env: dict[str, str]) -> dict[str, Any]:
    """Nothing on top of the production environment, but TESTING: it only makes unexpected
    exceptions reach the test instead of a bare 500."""
    return {"TESTING": True}


@pytest.fixture
def prepare_app() -> Callable[[Flask], None]:
    """Apps are made as a new release starts, before its migrations: a test migrates (or not)."""
    return lambda _app: None


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """A production-configured app on the real PostgreSQL (migrated to head) and Redis."""
    app = make_app()
    migrate(app)
    return app


@pytest.fixture
def token(app: Flask) -> str:
    """The plaintext of a token for the teacher ``TEACHER``, both made with the CLI
    (``teacher_token``), stored in PostgreSQL."""
    return teacher_token(app, "container-tests")


@pytest.fixture
def school(api: ApiClient) -> dict[str, dict[str, Any]]:
    """Two courses, two students, enrollments, assignments and grades, made through the API.

    MATH101 (4 credits) weights homework 40 / exams 60; HIST200 (3 credits) pools points.
    Ada: MATH homework 18/20 + 9/10, Midterm 80/100; HIST Essay 47/50, Quiz 24/25.
    Bob: MATH homework 10/20 only (HW2 and the Midterm ungraded); not in HIST.
    Returns every created object by name, as the API answered it.
    """
    made: dict[str, dict[str, Any]] = {
        "math": api.create(
            "/courses",
            {
                "code": "MATH101",
                "name": "Calculus",
                "credits": 4,
                "category_weights": {"homework": 40, "exams": 60},
            },
        ),
        "hist": api.create("/courses", {"code": "HIST200", "name": "History", "credits": 3}),
        "ada": api.create("/students", {"name": "Ada", "email": "ada@example.com"}),
        "bob": api.create("/students", {"name": "Bob", "email": "bob@example.com"}),
    }
    for course, category, title, max_points in (
        ("math", "homework", "HW1", 20),
        ("math", "homework", "HW2", 10),
        ("math", "exams", "Midterm", 100),
        ("hist", "essays", "Essay", 50),
        ("hist", "quizzes", "Quiz", 25),
    ):
        body = {
            "course_id": made[course]["id"],
            "title": title,
            "category": category,
            "max_points": max_points,
        }
        made[title] = api.create("/assignments", body)
    for student, course in (("ada", "math"), ("ada", "hist"), ("bob", "math")):
        body = {"student_id": made[student]["id"], "course_id": made[course]["id"]}
        made[f"{student}-{course}"] = api.create("/enrollments", body)
    for student, title, score in (
        ("ada", "HW1", 18),
        ("ada", "HW2", 9),
        ("ada", "Midterm", 80),
        ("ada", "Essay", 47),
        ("ada", "Quiz", 24),
        ("bob", "HW1", 10),
    ):
        body = {"student_id": made[student]["id"], "assignment_id": made[title]["id"]}
        made[f"{student}-{title}"] = api.create("/grades", {**body, "score": score})
    return made


@pytest.fixture
def pg_conn(clean_postgres: PostgresService) -> Iterator[psycopg.Connection[Any]]:
    """A psycopg connection of its own to the session's PostgreSQL (sees committed rows)."""
    with psycopg.connect(clean_postgres.dsn, autocommit=True) as connection:
        yield connection


@pytest.fixture
def redis_client(clean_redis: RedisService) -> Iterator[redis.Redis]:
    """A client of its own for the session's Redis (database 0, bytes in and out)."""
    with clean_redis.client() as client:
        yield client
