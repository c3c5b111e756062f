from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from app import create_app
from app.db import db
from app.models import HealthProbe
from tests.app_helpers import ApiClient, sign_in, token_for

INITIAL_REVISION = "1b1848f0b495"


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


def test_health_degraded_when_redis_is_down(make_app: Callable[..., Flask]) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_ENABLED=True)
    client = app.test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "redis": "error"}
    # The app keeps serving: sessions, report cache and limiter all fall back.
    with app.app_context():
        api = ApiClient(client, token_for("outage"))
    assert api.get("/courses").status_code == 200
    assert client.get("/login").status_code == 200
    assert sign_in(client).status_code == 302
    assert client.get("/").status_code == 200
    assert api.get("/students/1/gpa").status_code == 404


def test_health_is_not_rate_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute").test_client()
    assert [client.get("/health").status_code for _ in range(4)] == [200] * 4
    assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]


def _file_app(make_app: Callable[..., Flask], path: Path) -> Flask:
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")


def _health(app: Flask) -> tuple[int, str]:
    response = app.test_client().get("/health")
    return response.status_code, response.get_json()["database"]


def test_health_503_when_the_database_is_read_only(
    make_app: Callable[..., Flask], app_config: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "grades.sqlite"
    assert _health(_file_app(make_app, path)) == (200, "ok")
    # Opened read-only (file modes would not stop root, who runs CI here).
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    readonly = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    assert _health(readonly) == (503, "error: write failed: OperationalError")
    with readonly.app_context():
        db.engine.dispose()


def test_health_503_when_the_database_file_is_deleted(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    path = tmp_path / "grades.sqlite"
    app = _file_app(make_app, path)
    assert _health(app) == (200, "ok")
    path.unlink()
    assert _health(app) == (503, "error: database file grades.sqlite is missing")


def test_health_503_when_the_database_file_is_corrupt(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    path = tmp_path / "grades.sqlite"
    app = _file_app(make_app, path)
    with app.app_context():
        db.engine.dispose()
    path.write_bytes(b"this is not a database" * 100)
    assert _health(app) == (503, "error: read failed: DatabaseError")


def test_health_503_when_migrations_never_ran(app_config: dict[str, Any]) -> None:
    app = create_app(app_config)
    with app.app_context():
        db.create_all()  # the tables, but no alembic_version: `flask db upgrade` never ran
    assert _health(app) == (503, "error: schema missing: run `flask db upgrade`")


def _set_version(app: Flask, version: str) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})


def test_health_503_when_the_schema_is_behind_the_code(app: Flask) -> None:
    _set_version(app, INITIAL_REVISION)
    status, reason = _health(app)
    assert status == 503
    assert reason.startswith(f"error: schema behind: at {INITIAL_REVISION}, this code needs ")


def test_health_ok_when_the_schema_is_newer_than_the_code(app: Flask) -> None:
    """A rolling deploy: the new version migrated, this old instance still serves."""
    _set_version(app, "f00dfeed1234")
    assert _health(app) == (200, "ok")


def test_health_write_probe_stores_nothing(app: Flask) -> None:
    for _ in range(3):
        assert _health(app) == (200, "ok")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthProbe)) == 0
