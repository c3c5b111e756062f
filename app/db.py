"""Database and migrations: Flask-SQLAlchemy and Flask-Migrate (Alembic in ``migrations/``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
M = TypeVar("M", bound=Base)


def locked(model: type[M], object_id: int) -> M | None:
    """The row of ``model`` with ``object_id`` read afresh and locked until the transaction ends
    (None if it is gone), so that a check on it and the write it allows cannot interleave with
    another request's.

    Invariants that span tables (a score within its assignment's max points, an assignment's
    category among its course's weights) cannot be CHECK constraints, so every writer of
    either side locks the parent row first: the course, then the assignment, then the grade,
    always in that order, so two writers never wait on each other in a cycle. PostgreSQL takes
    ``FOR NO KEY UPDATE``, which leaves foreign-key checks (``KEY SHARE``) of other requests
    free. SQLite has no row locks and runs one writer at a time: an UPDATE that changes
    nothing takes the database's write lock (as ``BEGIN IMMEDIATE`` would), and the reads
    after it see the latest data, which no other writer can change before this one commits.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        # Text, not update(): Core would add the columns' onupdate values (a grade's
        # updated_at), changing the row and its ETag.
        table = model.__table__.name  # type: ignore[attr-defined]
        db.session.execute(text(f"UPDATE {table} SET id = id WHERE id = :id"), {"id": object_id})
    statement = (
        select(model)
        .where(model.id == object_id)  # type: ignore[attr-defined]
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(statement).one_or_none()


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores ON DELETE CASCADE unless foreign keys are switched on per connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_app(app: Flask, *, migrations: bool = True) -> None:
    """Bind the database and, with ``migrations``, register ``flask db`` (Flask-Migrate).

    The tables are on the metadata once ``app.models`` is imported (``create_app`` does)."""
    db.init_app(app)
    if migrations:
        from flask_migrate import Migrate

        Migrate(directory=MIGRATIONS_DIR).init_app(app, db, render_as_batch=True)
