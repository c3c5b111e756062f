"""Helpers the unit and the app-on-real-services suites share: the env vars the app reads,
teachers, an API client holding a bearer token, the login form, and an app's teardown."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, select, text
from werkzeug.test import TestResponse

from app import create_app
from app.db import MIGRATIONS_DIR, db
from app.models import WRITE, Teacher
from app.passwords import hash_password
from app.tokens import create_token
from deploycheck.checklist.probes import CSRF_FIELD

API_PREFIX = "/api/v1"
# render.yaml's CORS_ORIGINS: the one origin production allows.
PRODUCTION_ORIGIN = "https://gradetracker.onrender.com"
# Every variable app/config.py reads: a developer's or CI's own values must not leak in.
APP_ENV_VARS = (
    "APP_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "FLASK_SECRET_KEY",
    "SESSION_COOKIE_SECURE",
    "API_TOKEN_ENCRYPTION_KEY",
    "CORS_ORIGINS",
    "RATELIMIT_ENABLED",
    "RATELIMIT_DEFAULT",
    "RATELIMIT_WRITE",
    "SENTRY_DSN",
    "LOG_LEVEL",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_PRELOAD",
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT",
)


# The teacher the ``token`` fixture's token acts for, and the password they sign in with.
TEACHER = "teacher@example.com"
PASSWORD = "correct horse battery staple"  # pragma: allowlist secret


@functools.cache
def _password_hash() -> str:
    # Once per test process: argon2 is deliberately slow, and most tests need a teacher.
    return hash_password(PASSWORD)


def add_teacher(app: Flask, email: str = TEACHER) -> int:
    """Store a teacher who signs in with ``PASSWORD``; their id."""
    with app.app_context():
        teacher = Teacher(email=email, password_hash=_password_hash())
        db.session.add(teacher)
        db.session.commit()
        return teacher.id


def teacher_id_of(email: str = TEACHER) -> int:
    """The id of the stored teacher ``email`` (in an app context)."""
    found: int = db.session.execute(select(Teacher.id).where(Teacher.email == email)).scalar_one()
    return found


def token_for(
    name: str, scope: str = WRITE, expires_at: datetime | None = None, email: str = TEACHER
) -> str:
    """A new token called ``name`` acting for the teacher ``email``, who is stored first if
    new (in an app context)."""
    teacher_id = db.session.scalar(select(Teacher.id).where(Teacher.email == email))
    if teacher_id is None:
        teacher = Teacher(email=email, password_hash=_password_hash())
        db.session.add(teacher)
        db.session.commit()
        teacher_id = teacher.id
    return create_token(name, scope, expires_at, teacher_id=teacher_id)


class ApiClient:
    """Calls the JSON API with a valid bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.get(API_PREFIX + path, headers=headers, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.post(API_PREFIX + path, json=body, headers=self.headers, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.patch(API_PREFIX + path, json=body, headers=headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.delete(API_PREFIX + path, headers=headers, **kwargs)

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


class Creates(Protocol):
    """An API client that POSTs and returns the created object (ApiClient, races.Api)."""

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...


def graded_student(
    api: Creates,
    course: dict[str, Any],
    student: dict[str, Any],
    assignment: dict[str, Any],
    score: float,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Creates a course, a student enrolled in it, an assignment of it and the student's grade
    for it; returns the four created objects in that order."""
    __tracebackhide__ = True
    course = api.create("/courses", course)
    student = api.create("/students", student)
    api.create("/enrollments", {"student_id": student["id"], "course_id": course["id"]})
    assignment = api.create("/assignments", {"course_id": course["id"], **assignment})
    body = {"student_id": student["id"], "assignment_id": assignment["id"], "score": score}
    return course, student, assignment, api.create("/grades", body)


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (fetching the page stores it in the session)."""
    __tracebackhide__ = True
    page = client.get(path)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token in the form on {path} (status {page.status_code})"
    return match.group(1)


def sign_in(client: FlaskClient, email: str = TEACHER, password: str = PASSWORD) -> TestResponse:
    """Sign in through the login form, as a browser does."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, "/login")}
    return client.post("/login", data=data)


@contextmanager
def sqlite_at(path: Path, revision: str, rows: Iterable[str]) -> Iterator[Flask]:
    """An app on the SQLite file ``path``, migrated to ``revision`` and given ``rows`` (INSERT
    statements): the database a migration's test upgrades from."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            for statement in rows:
                connection.exec_driver_sql(statement)
    yield app
    with app.app_context():
        db.engine.dispose()


def query(app: Flask, sql: str) -> list[tuple[object, ...]]:
    """The rows of ``sql`` on ``app``'s database, as tuples."""
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def create_schema(app: Flask) -> None:
    """The models' tables plus the migrations head in ``alembic_version``, as ``flask db upgrade``
    leaves them (far faster than running the migrations; /health checks the version)."""
    head = ScriptDirectory(MIGRATIONS_DIR).get_current_head()
    with app.app_context():
        db.create_all()
        with db.engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            )
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


def dispose(apps: Iterable[Flask]) -> None:
    """Close each app's database session and connection pool (a ``make_*app`` teardown)."""
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def counting_statements(app: Flask, containing: str = "") -> Iterator[list[str]]:
    """Collect the SQL text of every statement ``app``'s engine runs inside the block (only
    those containing ``containing``, when given): cost that grows with data is counted."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if containing in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
