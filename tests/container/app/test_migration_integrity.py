"""Migration e3a8d5000b30 on PostgreSQL 15 with rows in it: the backfill keeps every row, and
stored duplicates make it refuse inside its transaction, leaving the schema as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade

from app.keys import identity_key
from tests.container.app.support import at_revision
from tests.unit.app.test_migration_integrity import AFTER, BEFORE, ROWS

pytestmark = pytest.mark.container


@pytest.fixture
def old_app(make_app: Callable[..., Flask], pg_conn: psycopg.Connection[Any]) -> Flask:
    """A production app on PostgreSQL migrated to the revision before, with rows."""
    return at_revision(make_app(), BEFORE, pg_conn, ROWS)


def test_upgrade_backfills_and_keeps_every_row(
    old_app: Flask, pg_conn: psycopg.Connection[Any]
) -> None:
    with old_app.app_context():
        upgrade(revision=AFTER)

    rows = pg_conn.execute
    assert rows("SELECT version_num FROM alembic_version").fetchall() == [(AFTER,)]
    assert rows("SELECT email_key FROM students ORDER BY id").fetchall() == [
        (identity_key("amy@x.edu"),),
        (identity_key("bo@x.edu"),),
    ]
    assert rows("SELECT id, course_id, score FROM grades ORDER BY id").fetchall() == [
        (1, 1, 7.0),
        (2, 1, 9.0),
    ]
    # The default that made NOT NULL possible is gone: the app sets every key.
    default = rows(
        "SELECT column_default FROM information_schema.columns"
        " WHERE table_name = 'students' AND column_name = 'email_key'"
    ).fetchall()
    assert default == [(None,)]


def test_upgrade_refuses_stored_duplicates_and_changes_nothing(
    old_app: Flask, pg_conn: psycopg.Connection[Any]
) -> None:
    rows = pg_conn.execute
    rows("INSERT INTO students (id, name, email) VALUES (3, 'Amy B', 'AMY@X.EDU')")

    with old_app.app_context(), pytest.raises(click.ClickException, match="ids 1 and 3"):
        upgrade(revision=AFTER)

    assert rows("SELECT version_num FROM alembic_version").fetchall() == [(BEFORE,)]
    columns = rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'students'"
    ).fetchall()
    assert ("email_key",) not in columns
