"""Migration 7a1c4e9b2d60 on PostgreSQL 15 with rows in it: existing data gets the placeholder
owner and keeps every row; codes become unique per teacher; the downgrade refuses inside its
transaction when two teachers own data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import psycopg
import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade

from app.models import PLACEHOLDER_OWNER
from tests.container.app.support import at_revision
from tests.unit.app.test_migration_teachers import AFTER, BEFORE, KEPT, ROWS

pytestmark = pytest.mark.container
SECOND_TEACHER = (
    "INSERT INTO teachers (id, email, email_key, created_at) VALUES (2, 'b@x.edu', 'k-b', now())"
)


@pytest.fixture
def old_app(make_app: Callable[..., Flask], pg_conn: psycopg.Connection[Any]) -> Flask:
    """A production app on PostgreSQL migrated to the revision before teachers, with rows."""
    rows = [statement.replace("x'00'", "'\\x00'::bytea") for statement in ROWS]
    return at_revision(make_app(), BEFORE, pg_conn, rows)


def test_existing_data_gets_the_placeholder_owner_and_keeps_every_row(
    old_app: Flask, pg_conn: psycopg.Connection[Any]
) -> None:
    rows = pg_conn.execute
    kept = {table: rows(sql).fetchall() for table, sql in KEPT.items()}
    with old_app.app_context():
        upgrade(revision=AFTER)

    (owner,) = rows("SELECT id, email, password_hash FROM teachers").fetchall()
    assert owner[1:] == (PLACEHOLDER_OWNER, None)
    for table in ("courses", "students", "api_tokens"):
        assert rows(f"SELECT DISTINCT teacher_id FROM {table}").fetchall() == [(owner[0],)]
    assert {table: rows(sql).fetchall() for table, sql in KEPT.items()} == kept
    assert rows("SELECT count(*) FROM sign_ins").fetchall() == [(0,)]

    rows(SECOND_TEACHER)
    rows(
        "INSERT INTO courses (id, teacher_id, code, code_key, name, credits, category_weights)"
        " VALUES (2, 2, 'CS-101', 'k-cs', 'Theirs', 3, '{}')"
    )
    with pytest.raises(psycopg.errors.UniqueViolation):
        rows(
            "INSERT INTO courses (id, teacher_id, code, code_key, name, credits, category_weights)"
            " VALUES (3, 2, 'cs-101', 'k-cs', 'Again', 3, '{}')"
        )


def test_downgrade_refuses_two_owners_and_changes_nothing(
    old_app: Flask, pg_conn: psycopg.Connection[Any]
) -> None:
    rows = pg_conn.execute
    with old_app.app_context():
        upgrade(revision=AFTER)
    rows(SECOND_TEACHER)
    rows(
        "INSERT INTO students (id, teacher_id, name, email, email_key)"
        " VALUES (3, 2, 'C', 'c@x', 'k')"
    )
    with old_app.app_context(), pytest.raises(click.ClickException, match="2 teachers own"):
        downgrade(revision=BEFORE)
    assert rows("SELECT version_num FROM alembic_version").fetchall() == [(AFTER,)]
    assert rows("SELECT count(*) FROM teachers").fetchall() == [(2,)]
