"""Grade Tracker: a Flask application factory.

Flask and the extensions are imported inside ``create_app`` so that ``python -m app.healthcheck``
and ``gunicorn.conf.py`` (which runs in the gunicorn master, before any worker exists) can
import ``app.config`` and ``app.logs`` without loading Flask, SQLAlchemy or
the database driver.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None, *, migrations: bool = True) -> Flask:
    """Create and configure the app; ``test_config`` overrides values read from the env.

    ``migrations=False`` (the gunicorn workers) leaves out ``flask db``: Flask-Migrate imports
    Alembic, about a sixth of a worker's boot imports, and serving never migrates.
    """
    import click
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import (
        api,
        auth,
        cache,
        cli,
        config,
        db,
        errors,
        headers,
        health,
        limits,
        logs,
        pages,
        sessions,
        web,
    )

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=config.MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Here, not in sessions.init_app: Flask's own 31-day default would defeat a setdefault.
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        API_PER_PAGE_DEFAULT=20,
        API_PER_PAGE_MAX=100,
        REPORT_CACHE_SECONDS=300,
    )
    try:
        app.config.from_mapping(config.from_env(app.instance_path))
        if test_config is not None:
            app.config.from_mapping(test_config)
        config.finalize(app.config)
    except config.ConfigError as error:
        if cli.in_command_line():
            # `flask db upgrade` (the pre-deploy step) prints click's one "Error:" line.
            raise click.ClickException(str(error)) from None
        raise
    if app.config["APP_ENV"] == config.PRODUCTION:
        # Render terminates TLS in front of the app: trust one proxy hop for the client
        # address (rate-limit keys) and the scheme (secure redirects).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    else:
        # The embedded SQLite database lives here. Production has DATABASE_URL and a read-only
        # code directory, so it must not try to create the folder.
        os.makedirs(app.instance_path, exist_ok=True)

    logs.init_app(app)
    db.init_app(app, migrations=migrations)
    cache.init_app(app)
    sessions.init_app(app)
    # The order of the request's hooks (docs/app.md, "The request path"): the credential is
    # loaded first, then the rate limit counts it and reads its cache entries along.
    auth.init_app(app)
    limits.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    health.init_app(app)
    web.init_app(app)
    pages.init_app(app)
    api.init_app(app)
    return app
