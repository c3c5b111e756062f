import logging

import click
from alembic import context
from flask import current_app
from sqlalchemy.exc import DBAPIError

config = context.config

# Logging is configured by create_app (JSON lines through the redacting filter); alembic's
# usual fileConfig() here would replace those handlers and disable the app's loggers.
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Emit the migrations as SQL for the configured URL, without connecting."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on a connection from the app's engine."""

    # Without this, `flask db migrate` writes an empty revision when the models did not change.
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    try:
        connection = connectable.connect()
    except DBAPIError as error:
        # The pre-deploy step's one line, not SQLAlchemy's 150-line traceback. The driver's own
        # reason names host and port, never the password.
        reason = " ".join(str(error.orig).split())
        raise click.ClickException(
            f"DATABASE_URL: cannot connect to the database: {reason}"
        ) from None
    with connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by dropping it: with foreign keys on, SQLite would
            # delete every row referencing it (ON DELETE CASCADE). Off outside the transaction
            # (SQLite ignores the pragma inside one), checked and back on after it.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # ends SQLAlchemy's autobegun transaction; Alembic begins its own
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise click.ClickException(f"migrated, but foreign keys are broken: {broken}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
