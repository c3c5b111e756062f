"""Error responses: JSON ``{"error": {"code", "message"}}`` under /api, HTML elsewhere."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from flask import jsonify, request
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError, ServiceUnavailable

from .auth import AuthError, ScopeError
from .db import db

if TYPE_CHECKING:
    from flask import Flask
    from flask.typing import ResponseReturnValue

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER = 5
# SQLSTATE class 40: PostgreSQL cancelled the transaction (serialization failure 40001,
# deadlock 40P01); the same request would succeed on a retry.
TRANSACTION_ROLLBACK = "40"
LOST_RACE = "Another request changed the same data at the same time; reload and retry"


class ApiError(Exception):
    """A client error with a machine-readable ``code`` and optional per-field ``details``."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def _is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> ResponseReturnValue:
    """The JSON body and status every API error uses."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return jsonify(error=body), status


def _code_for(exc: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (exc.name or "error").lower()).strip("_")


def handle_http_exception(exc: HTTPException) -> ResponseReturnValue:
    if not _is_api_request():
        return exc
    response = exc.get_response()
    body, status = error_response(exc.code or 500, _code_for(exc), exc.description or "")
    # Keep Allow (405), Retry-After and X-RateLimit-* (429) from the original response.
    for header in ("Allow", "Retry-After"):
        if header in response.headers:
            body.headers[header] = response.headers[header]
    return body, status


def handle_api_error(exc: ApiError) -> ResponseReturnValue:
    db.session.rollback()
    return error_response(exc.status, exc.code, exc.message, exc.details)


def handle_auth_error(exc: AuthError) -> ResponseReturnValue:
    body, status = error_response(401, "unauthorized", str(exc))
    body.headers["WWW-Authenticate"] = 'Bearer realm="gradetracker"'
    return body, status


def refused_by(exc: DBAPIError) -> str:
    """What refused a write, for the log: the constraint's name (PostgreSQL) or SQLite's
    message ("UNIQUE constraint failed: students.email_key"), never the statement's
    parameters or PostgreSQL's DETAIL line, which quote the row (a student's name, email)."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name:
        return name
    if type(exc.orig).__module__.startswith("sqlite3"):
        return str(exc.orig)
    return type(exc.orig).__name__


def _is_lost_race(exc: DBAPIError) -> bool:
    return str(getattr(exc.orig, "sqlstate", "") or "").startswith(TRANSACTION_ROLLBACK)


def handle_conflict(exc: DBAPIError) -> ResponseReturnValue:
    """A write that lost a race to a constraint, a deadlock or a serialization failure: 409."""
    db.session.rollback()
    log.warning("write refused on %s %s: %s", request.method, request.path, refused_by(exc))
    if not _is_api_request():
        return Conflict(LOST_RACE)
    return error_response(409, "conflict", LOST_RACE)


def handle_operational_error(exc: OperationalError) -> ResponseReturnValue:
    if _is_lost_race(exc):
        return handle_conflict(exc)
    return handle_database_unavailable(exc)


def handle_database_unavailable(exc: Exception) -> ResponseReturnValue:
    # The database is down, unreachable or overloaded: a client should retry, and a 500 would
    # page someone for an outage the app cannot fix. The pool replaces broken connections.
    db.session.rollback()
    log.error("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
    if not _is_api_request():
        return ServiceUnavailable()
    body, status = error_response(503, "database_unavailable", "The database is unavailable")
    body.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return body, status


def handle_scope_error(exc: ScopeError) -> ResponseReturnValue:
    body, status = error_response(403, "insufficient_scope", str(exc))
    body.headers["WWW-Authenticate"] = 'Bearer realm="gradetracker", error="insufficient_scope"'
    return body, status


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    db.session.rollback()
    # The message names the route only: headers (Authorization, cookies) are never logged.
    log.error(
        "unhandled %s on %s %s", type(exc).__name__, request.method, request.path, exc_info=exc
    )
    if _is_api_request():
        return error_response(500, "internal_server_error", "Internal server error")
    return InternalServerError()


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(AuthError, handle_auth_error)
    app.register_error_handler(IntegrityError, handle_conflict)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(PoolTimeoutError, handle_database_unavailable)
    app.register_error_handler(ScopeError, handle_scope_error)
    app.register_error_handler(Exception, handle_unexpected)
