"""``/health``: database and Redis status for Render and the Docker HEALTHCHECK.

The database is required: the answer is 503, with the reason in ``database``, unless it can be
read and written (a row inserted into ``health_probes`` and rolled back, so nothing is kept)
and its schema is at or beyond the migrations head this code needs. A schema newer than the
code is fine: that is an old instance during a rolling deploy. Redis is optional: when
it is down the answer stays 200 with ``"status": "degraded"``, because the app keeps serving
(reports are computed uncached, the limiter counts in memory, sessions fall back to cookies)
and restarting instances would not bring Redis back.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app
from sqlalchemy import inspect, text

from . import limits
from .db import MIGRATIONS_DIR, db
from .redis_client import connect

if TYPE_CHECKING:
    from flask import Flask

bp = Blueprint("health", __name__)
# Also where app.sessions skips loading a session.
PATH = "/health"
log = logging.getLogger(__name__)


@cache
def known_revisions() -> tuple[str, frozenset[str]]:
    """The migrations head and every revision up to it (read once: the files never change)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(MIGRATIONS_DIR)
    head = script.get_current_head()
    return str(head), frozenset(str(s.revision) for s in script.walk_revisions())


def _schema_problem(version: str | None) -> str | None:
    head, known = known_revisions()
    if version is None:
        return "schema missing: run `flask db upgrade`"
    if version != head and version in known:
        return f"schema behind: at {version}, this code needs {head}; run `flask db upgrade`"
    return None  # the head, or a revision from newer code (rolling deploy)


def _sqlite_file_problem() -> str | None:
    # SQLite keeps writing to a deleted file through open connections; look for the file.
    url = db.engine.url
    name = str(url.database or "").removeprefix("file:")  # also the ?uri=true form
    if (
        url.get_backend_name() == "sqlite"
        and name not in ("", ":memory:")
        and not os.path.isfile(name)
    ):
        return f"database file {os.path.basename(name)} is missing"
    return None


def _database_status() -> str:
    step = "read"
    try:
        problem = _sqlite_file_problem()
        if problem is None:
            version = None
            if inspect(db.session.connection()).has_table("alembic_version"):
                version = db.session.scalar(text("SELECT version_num FROM alembic_version"))
            problem = _schema_problem(version)
        if problem is None:
            # Proves the database accepts writes (not read-only, disk not full); rolled back.
            step = "write"
            db.session.execute(
                text("INSERT INTO health_probes (checked_at) VALUES (CURRENT_TIMESTAMP)")
            )
        db.session.rollback()
    except Exception as exc:  # any failure means "not healthy"; the type is the useful part
        db.session.rollback()
        log.error("health: database check failed: %s", exc)
        # The type only (the driver's, under SQLAlchemy's wrapper: ReadOnlySqlTransaction says
        # more than InternalError): the message may hold the URL, and the body is public.
        return f"error: {step} failed: {type(getattr(exc, 'orig', None) or exc).__name__}"
    if problem is not None:
        log.error("health: database check failed: %s", problem)
        return f"error: {problem}"
    return "ok"


def _redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    client = connect(url)
    try:
        client.ping()
    except Exception as exc:  # same as above: report, log, never raise
        log.warning("health: redis check failed: %s", exc)
        return "error"
    finally:
        client.close()
    return "ok"


@bp.get(PATH)
def health() -> tuple[dict[str, Any], int]:
    database = _database_status()
    redis_status = _redis_status()
    if database != "ok":
        status, code = "error", 503
    elif redis_status == "error":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return {"status": status, "database": database, "redis": redis_status}, code


def init_app(app: Flask) -> None:
    """Register ``/health`` on ``app``, exempt from rate limits: Render's probe must never be
    refused."""
    app.register_blueprint(bp)
    limits.exempt(app, bp)
