"""Migration e3a8d5000b30 on SQLite: it backfills the new keys and grades' course ids without
losing a row, and refuses (changing nothing) when stored rows already break a new constraint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import sqlalchemy
from flask import Flask
from flask_migrate import upgrade

from app.db import db
from app.keys import identity_key
from tests.app_helpers import query, sqlite_at

BEFORE = "5c0d2e7a9f31"  # pragma: allowlist secret
AFTER = "e3a8d5000b30"  # pragma: allowlist secret
ROWS = [
    "INSERT INTO courses (id, code, name, credits, category_weights)"
    " VALUES (1, 'CS-101', 'Programming', 3, '{}')",
    "INSERT INTO students (id, name, email) VALUES (1, 'Amy', 'amy@x.edu'), (2, 'Bo', 'bo@x.edu')",
    "INSERT INTO enrollments (id, student_id, course_id, enrolled_at)"
    " VALUES (1, 1, 1, '2026-12-01'), (2, 2, 1, '2026-12-01')",
    "INSERT INTO assignments (id, course_id, title, category, max_points)"
    " VALUES (1, 1, 'HW', 'hw', 10)",
    "INSERT INTO grades (id, student_id, assignment_id, score, updated_at)"
    " VALUES (1, 1, 1, 7, '2026-12-01'), (2, 2, 1, 9, '2026-12-01')",
]


@pytest.fixture
def old_app(tmp_path: Path) -> Iterator[Flask]:
    """An app whose SQLite file is migrated to the revision before this one, with rows."""
    with sqlite_at(tmp_path / "old.sqlite", BEFORE, ROWS) as app:
        yield app


def _columns(app: Flask, table: str) -> set[str]:
    with app.app_context():
        return {column["name"] for column in sqlalchemy.inspect(db.engine).get_columns(table)}


def test_upgrade_backfills_keys_and_course_ids_and_keeps_every_row(old_app: Flask) -> None:
    with old_app.app_context():
        upgrade(revision=AFTER)

    assert query(old_app, "SELECT version_num FROM alembic_version") == [(AFTER,)]
    assert query(old_app, "SELECT email, email_key FROM students ORDER BY id") == [
        ("amy@x.edu", identity_key("amy@x.edu")),
        ("bo@x.edu", identity_key("bo@x.edu")),
    ]
    assert query(old_app, "SELECT code_key FROM courses") == [(identity_key("CS-101"),)]
    assert query(old_app, "SELECT id, student_id, course_id, score FROM grades ORDER BY id") == [
        (1, 1, 1, 7.0),
        (2, 2, 1, 9.0),
    ]
    assert query(old_app, "SELECT count(*) FROM enrollments") == [(2,)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["INSERT INTO students (id, name, email) VALUES (3, 'Amy B', 'AMY@X.EDU\u200b')"],
            "students with the same email once case, width and invisible characters are"
            " ignored (ids 1 and 3): change or merge them",
        ),
        (
            [
                "INSERT INTO courses (id, code, name, credits, category_weights)"
                " VALUES (2, 'ＣＳ－１０１', 'Twin', 3, '{}')"
            ],
            "courses with the same code",
        ),
        (
            ["DELETE FROM enrollments WHERE id = 2"],
            "grades 2 belong to students not enrolled in the assignment's course",
        ),
    ],
    ids=["email", "course code", "grade without enrollment"],
)
def test_upgrade_refuses_rows_that_break_a_new_constraint(
    old_app: Flask, rows: list[str], message: str
) -> None:
    with old_app.app_context():
        # The old schema lets these in: the orphan grade is what the races left behind.
        with db.engine.begin() as connection:
            for statement in rows:
                connection.exec_driver_sql(statement)
        with pytest.raises(click.ClickException) as refused:
            upgrade(revision=AFTER)

    assert message in refused.value.message
    assert refused.value.message.startswith("Not migrated (nothing changed): ")
    assert "amy@" not in refused.value.message.lower()
    assert query(old_app, "SELECT version_num FROM alembic_version") == [(BEFORE,)]
    assert "email_key" not in _columns(old_app, "students")
    assert "course_id" not in _columns(old_app, "grades")
