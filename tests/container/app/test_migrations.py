"""Migrations on a real, empty PostgreSQL 15: ``flask db upgrade`` builds exactly the models'
schema, and the chain also runs down to base and up again."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import models
from app.db import MIGRATIONS_DIR
from deploycheck.testing.services import PostgresService

pytestmark = pytest.mark.container

# Through app.models: the tables are on the metadata only once the models are imported.
METADATA = models.db.metadata
MODEL_TABLES = set(METADATA.tables)
HEAD = ScriptDirectory(MIGRATIONS_DIR).get_current_head()


@pytest.fixture
def engine(clean_postgres: PostgresService) -> Iterator[sqlalchemy.Engine]:
    """An engine of the test's own, so what it sees does not depend on the app's session."""
    engine = sqlalchemy.create_engine(clean_postgres.url)
    yield engine
    engine.dispose()


@pytest.fixture
def bare_app(make_app: Callable[..., Flask]) -> Flask:
    """A production-configured app whose (empty) database has not been migrated."""
    return make_app()


def tables(engine: sqlalchemy.Engine) -> set[str]:
    return set(sqlalchemy.inspect(engine).get_table_names())


def revision(engine: sqlalchemy.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_creates_every_model_table_on_an_empty_database(
    bare_app: Flask, engine: sqlalchemy.Engine
) -> None:
    assert tables(engine) == set()

    with bare_app.app_context():
        upgrade()

    assert tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert revision(engine) == HEAD


def test_migrated_schema_matches_the_models(bare_app: Flask, engine: sqlalchemy.Engine) -> None:
    with bare_app.app_context():
        upgrade()

    # What `flask db migrate` would generate next: anything here is a model change that no
    # migration carries, which production (migrated, never create_all'd) would lack.
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), METADATA)
    assert differences == []


def test_downgrade_to_base_then_upgrade_again(bare_app: Flask, engine: sqlalchemy.Engine) -> None:
    with bare_app.app_context():
        upgrade()
        downgrade(revision="base")
        after_downgrade = tables(engine)
        upgrade()

    assert after_downgrade == {"alembic_version"}
    assert tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert revision(engine) == HEAD
