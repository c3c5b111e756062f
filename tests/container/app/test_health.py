"""``/health`` and the outages it reports, on real servers: PostgreSQL down is a 503 naming the
database; Redis down is a 200 "degraded" and the app keeps serving. The outage tests stop
containers of their own, never the session's."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.db import db
from deploycheck.testing.services import HOST, PostgresService, RedisService
from deploycheck.testing.waiting import publish_on_loopback
from tests.app_helpers import ApiClient, graded_student, sign_in
from tests.container.app.support import migrate, teacher_token

pytestmark = pytest.mark.container

HEALTHY = {"status": "ok", "database": "ok", "redis": "ok"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_postgres(docker_engine: None) -> Iterator[PostgresService]:
    """A PostgreSQL for this test alone, on a fixed port so a restart keeps its URL."""
    service = PostgresService()
    publish_on_loopback(service.container, PostgresService.port, HOST, free_port())
    with service:
        yield service


@pytest.fixture
def own_redis(docker_engine: None) -> Iterator[RedisService]:
    """A Redis for this test alone, which the test may stop."""
    with RedisService() as service:
        yield service


def stop(service: RedisService) -> None:
    """Stop the server; the fixture still removes the container afterwards."""
    service.container.get_wrapped_container().stop(timeout=2)


def health(client: FlaskClient) -> tuple[int, dict[str, str]]:
    # No timing assertion: the short connect/socket timeouts are configuration, checked in
    # tests/unit; wall-clock bounds would flake on a shared machine.
    response = client.get("/health")
    return response.status_code, response.get_json()


def test_health_is_ok_with_postgres_and_redis_up(client: FlaskClient) -> None:
    response = client.get("/health")

    assert (response.status_code, response.get_json()) == (200, HEALTHY)


def test_health_is_503_naming_the_database_while_postgres_is_down(
    make_app: Callable[..., Flask],
    own_postgres: PostgresService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", own_postgres.dsn)
    app = make_app()
    migrate(app)
    client = app.test_client()
    assert client.get("/health").get_json() == HEALTHY  # leaves a pooled connection behind

    with own_postgres.stopped():
        status, body = health(client)

    assert (status, body) == (
        503,
        {**HEALTHY, "status": "error", "database": "error: read failed: OperationalError"},
    )
    # Pre-ping drops the dead pooled connection: no restart needed once the database is back.
    assert client.get("/health").get_json() == HEALTHY


def test_health_is_degraded_naming_redis_while_it_is_down(
    make_app: Callable[..., Flask], own_redis: RedisService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", own_redis.url)
    app = make_app()
    migrate(app)
    client = app.test_client()
    assert client.get("/health").get_json() == HEALTHY

    stop(own_redis)
    status, body = health(client)

    assert (status, body) == (200, {**HEALTHY, "status": "degraded", "redis": "error"})


def test_app_keeps_serving_while_redis_is_down(
    make_app: Callable[..., Flask], own_redis: RedisService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", own_redis.url)
    app = make_app(RATELIMIT_WRITE="2 per minute")
    migrate(app)
    api = ApiClient(app.test_client(), teacher_token(app, "outage"))
    quiz = {"title": "Quiz", "category": "quizzes", "max_points": 10}
    ada = {"name": "Ada", "email": "ada@example.com"}
    course, student, _, grade = graded_student(
        api, {"code": "BIO110", "name": "Biology"}, ada, quiz, 7
    )
    report_path = f"/courses/{course['id']}/students/{student['id']}/report"
    assert api.read(report_path)["percentage"] == 70.0  # now cached in Redis

    stop(own_redis)

    assert api.patch(f"/grades/{grade['id']}", {"score": 9}).status_code == 200
    assert api.read(report_path)["percentage"] == 90.0
    # The limiter counts in memory meanwhile: limits stay enforced (this worker's count).
    statuses = [api.patch(f"/grades/{grade['id']}", {"score": 9}).status_code for _ in range(2)]
    assert statuses == [200, 429]
    # Documented: sessions fall back to signed cookies, so people can still sign in.
    browser = app.test_client()
    assert sign_in(browser).status_code == 302
    assert "/logout" in browser.get("/").text


def test_health_is_503_until_migrations_run_on_postgres(make_app: Callable[..., Flask]) -> None:
    """The pre-deploy step never ran: every page would fail, so /health must not say ok."""
    app = make_app()
    before = health(app.test_client())
    migrate(app)
    after = health(app.test_client())
    assert before == (
        503,
        {**HEALTHY, "status": "error", "database": "error: schema missing: run `flask db upgrade`"},
    )
    assert after == (200, HEALTHY)


def test_health_is_503_when_postgres_refuses_writes(
    app: Flask, pg_conn: psycopg.Connection[Any]
) -> None:
    """A read-only database (a replica, or default_transaction_read_only) fails the write probe."""
    database = pg_conn.execute("SELECT current_database()").fetchone()[0]
    pg_conn.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
    try:
        with app.app_context():
            db.engine.dispose()  # new connections pick the setting up
        status, body = health(app.test_client())
    finally:
        pg_conn.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = off')
    assert (status, body["database"]) == (503, "error: write failed: ReadOnlySqlTransaction")
