from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from app import create_app
from app.db import db


def test_migrations_build_the_models_schema_on_empty_sqlite(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite'}"})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"courses", "students", "enrollments", "assignments", "grades"} <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], "models changed without a migration: run `flask db migrate`"
        db.engine.dispose()


def test_serving_app_leaves_out_flask_db() -> None:
    """gunicorn's workers build the app with migrations=False: no Flask-Migrate, no Alembic."""
    serving = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, migrations=False)
    default = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert ("migrate" in serving.extensions, "db" in serving.cli.commands) == (False, False)
    assert ("migrate" in default.extensions, "db" in default.cli.commands) == (True, True)
