"""``/health``: database and Redis status for Render and the Docker HEALTHCHECK.

The database is required: when ``SELECT 1`` fails the answer is 503. Redis is optional: when
it is down the answer stays 200 with ``"status": "degraded"``, because the app keeps serving
(reports are computed uncached, the limiter counts in memory, sessions fall back to cookies)
and restarting instances would not bring Redis back.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

from .db import db
from .limits import limiter
from .redis_client import connect

bp = Blueprint("health", __name__)
limiter.exempt(bp)
log = logging.getLogger(__name__)


def _database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy"; the type is the useful part
        db.session.rollback()
        log.error("health: database check failed: %s", exc)
        return f"error: {type(exc).__name__}"
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


@bp.get("/health")
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
