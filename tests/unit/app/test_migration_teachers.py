"""Migration 7a1c4e9b2d60 on SQLite: existing courses, students and tokens get the placeholder
owner (no password: nobody signs in as it until create-teacher sets one), no row of any table is
lost (rebuilding a table others reference must not cascade), page sign-ins made with tokens are
dropped, and the downgrade refuses when two teachers own data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.db import db
from app.models import PLACEHOLDER_OWNER
from tests.app_helpers import query, sqlite_at

BEFORE = "e3a8d5000b30"  # pragma: allowlist secret
AFTER = "7a1c4e9b2d60"  # pragma: allowlist secret
ROWS = [
    "INSERT INTO courses (id, code, code_key, name, credits, category_weights)"
    " VALUES (1, 'CS-101', 'k-cs', 'Programming', 3, '{}')",
    "INSERT INTO students (id, name, email, email_key)"
    " VALUES (1, 'Amy', 'amy@x.edu', 'k-amy'), (2, 'Bo', 'bo@x.edu', 'k-bo')",
    "INSERT INTO enrollments (id, student_id, course_id, enrolled_at)"
    " VALUES (1, 1, 1, '2026-12-01'), (2, 2, 1, '2026-12-01')",
    "INSERT INTO assignments (id, course_id, title, category, max_points)"
    " VALUES (1, 1, 'HW', 'hw', 10)",
    "INSERT INTO grades (id, student_id, assignment_id, course_id, score, updated_at)"
    " VALUES (1, 1, 1, 1, 7, '2026-12-01'), (2, 2, 1, 1, 9, '2026-12-01')",
    "INSERT INTO api_tokens (id, name, token_hash, token_encrypted, created_at, scope)"
    " VALUES (1, 'ci', 'h-ci', x'00', '2026-12-01', 'write')",
    "INSERT INTO sign_ins (id, session_hash, token_id, created_at)"
    " VALUES (1, 's-1', 1, '2026-12-01')",
]
# Every row of the tables whose rows the migration keeps, as the test reads them.
KEPT = {
    "enrollments": "SELECT id, student_id, course_id FROM enrollments ORDER BY id",
    "assignments": "SELECT id, course_id FROM assignments ORDER BY id",
    "grades": "SELECT id, student_id, course_id, score FROM grades ORDER BY id",
}


@pytest.fixture
def old_app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose SQLite file is migrated to the revision before teachers, with rows."""
    with sqlite_at(tmp_path / "old.sqlite", BEFORE, ROWS) as app:
        yield app


def test_existing_data_gets_the_placeholder_owner_and_no_row_is_lost(old_app: Flask) -> None:
    kept = {table: query(old_app, sql) for table, sql in KEPT.items()}
    with old_app.app_context():
        upgrade(revision=AFTER)

    assert query(old_app, "SELECT id, email, password_hash FROM teachers") == [
        (1, PLACEHOLDER_OWNER, None)
    ]
    for table in ("courses", "students", "api_tokens"):
        assert set(query(old_app, f"SELECT teacher_id FROM {table}")) == {(1,)}, table
    assert {table: query(old_app, sql) for table, sql in KEPT.items()} == kept
    assert query(old_app, "SELECT count(*) FROM sign_ins") == [(0,)]
    assert query(old_app, "PRAGMA foreign_keys") == [(1,)]


def test_codes_and_emails_become_unique_per_teacher(old_app: Flask) -> None:
    with old_app.app_context():
        upgrade(revision=AFTER)
    query(old_app, "SELECT 1")  # the same connection settings as the app's
    with old_app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO teachers (id, email, email_key, created_at)"
            " VALUES (2, 'b@x.edu', 'k-b', '2026-12-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO courses (teacher_id, code, code_key, name, credits, category_weights)"
            " VALUES (2, 'CS-101', 'k-cs', 'Theirs', 3, '{}')"
        )
    assert query(old_app, "SELECT teacher_id, code FROM courses ORDER BY id") == [
        (1, "CS-101"),
        (2, "CS-101"),
    ]


def test_an_empty_database_gets_no_placeholder_owner(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.sqlite'}"})
    with app.app_context():
        upgrade()
    assert query(app, "SELECT count(*) FROM teachers") == [(0,)]
    with app.app_context():
        db.engine.dispose()


def test_downgrade_keeps_one_owners_data_and_refuses_two_owners(old_app: Flask) -> None:
    with old_app.app_context():
        upgrade(revision=AFTER)
        downgrade(revision=BEFORE)
    assert query(old_app, "SELECT id, code FROM courses") == [(1, "CS-101")]
    assert query(old_app, KEPT["grades"]) == [(1, 1, 1, 7.0), (2, 2, 1, 9.0)]

    with old_app.app_context():
        upgrade(revision=AFTER)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO teachers (id, email, email_key, created_at)"
                " VALUES (2, 'b@x.edu', 'k-b', '2026-12-01')"
            )
            connection.exec_driver_sql(
                "INSERT INTO students (teacher_id, name, email, email_key)"
                " VALUES (2, 'Cy', 'cy@x.edu', 'k-cy')"
            )
        with pytest.raises(click.ClickException, match="2 teachers own courses, students"):
            downgrade(revision=BEFORE)
    assert query(old_app, "SELECT version_num FROM alembic_version") == [(AFTER,)]
