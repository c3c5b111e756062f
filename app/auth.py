"""Who is asking: the credential of a request, parsed and checked once, in one place (like
flaskr's ``load_logged_in_user``), and handed on in ``g``.

A cached API read (``GET /api/v1/courses/<id>/summary``) passes through, in order:

1. ``auth.load_credential``, the app's first ``before_request``: the bearer token parsed and
   hashed once into ``g.credential`` (a ``Credential``), with the cache keys the request reads:
   the token's grant and, for a cached read, the course version and the stored report.
2. ``limits.count_request``: the rate-limit count, in one Redis round trip that also reads
   those keys (``Credential.read_along``).
3. ``auth.authenticate``, the API blueprints' ``before_request``: the grant from what was read
   (or one MGET, when nothing was read along), 401 or 403, else ``g.grant``.
4. the view, ``api.reports.course_summary``: the stored body from what was read
   (``report_cache.look_up``), answered as it is.

docs/app.md ("The request path") lists the same; a unit test traces a request and checks it.

Teachers sign in to the pages with email and password (``app.passwords``): ``auth.load_sign_in``
(the pages' ``before_request``) puts a ``Grant`` for the signed-in teacher in ``g.grant`` too, so
views, templates and ``app.ownership`` check one model whichever way the request came.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet
from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import delete, select

from . import cache
from .db import db
from .models import READ, WRITE, SignIn, Teacher
from .tokens import Grant, find_grant, grant_key, hash_token

if TYPE_CHECKING:
    from flask import Flask

READ_METHODS = frozenset({"GET", "HEAD"})
# app.extensions: endpoint -> the cache keys a cached read of it needs, from its view args
# (registered by the views that answer from the cache, ``api.reports``).
CACHED_READS = "cached_reads"
# The session key of a page sign-in's random id (its SHA-256 is a ``SignIn`` row).
SESSION_KEY = "sign_in"


class AuthError(Exception):
    """Missing or invalid bearer token (answered with 401)."""


class ScopeError(Exception):
    """A valid token whose scope does not allow the request (answered with 403)."""


@dataclass
class Credential:
    """A request's bearer token, hashed, and the cache entries the request reads with it."""

    token_hash: str
    keys: list[str]  # the grant's key first, then a cached read's keys
    read: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def report_keys(self) -> list[str]:
        """The keys of the cached read this request is (empty for any other request)."""
        return self.keys[1:]

    def read_along(self, values: list[Any]) -> None:
        """Keep the values of ``keys`` the rate-limit count read (in the same order)."""
        self.read = dict(zip(self.keys, values, strict=True))

    def values(self) -> dict[str, Any]:
        """The values of ``keys``: those read along, else one MGET now."""
        if self.read is None:
            self.read = dict(zip(self.keys, cache.get_many(self.keys), strict=True))
        return self.read


def bearer_token() -> str | None:
    """The token from an ``Authorization: Bearer <token>`` header, if present."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def register_cached_read(app: Flask, endpoint: str, keys: Callable[..., list[str]]) -> None:
    """Make ``keys(**view_args)`` the cache keys a bearer request to ``endpoint`` reads."""
    app.extensions.setdefault(CACHED_READS, {})[endpoint] = keys


def load_credential() -> None:
    """The app's first ``before_request``: ``g.credential`` (None without a bearer token); no
    grant yet (``g.grant`` is None until a check finds one)."""
    g.grant = None
    token = bearer_token()
    if token is None:
        g.credential = None
        return
    token_hash = hash_token(token)
    keys = [grant_key(token_hash)]
    cached_read = current_app.extensions.get(CACHED_READS, {}).get(request.endpoint)
    if cached_read is not None:
        keys += cached_read(**(request.view_args or {}))
    g.credential = Credential(token_hash, keys)


def required_scope(method: str) -> str:
    """The scope a request with ``method`` needs."""
    return READ if method in READ_METHODS else WRITE


def authenticate() -> None:
    """The API's ``before_request``: 401 without a valid token, 403 when its scope is too narrow.

    OPTIONS passes: a browser's CORS preflight never carries credentials.
    """
    if request.method == "OPTIONS":
        return
    credential: Credential | None = g.credential
    if credential is None:
        raise AuthError("Missing bearer token: send 'Authorization: Bearer <token>'")
    grant = find_grant(credential.token_hash, credential.values())
    if grant is None:
        raise AuthError("Invalid or expired bearer token")
    scope = required_scope(request.method)
    if not grant.allows(scope):
        raise ScopeError(f"This token's scope is {grant.scope!r}; {request.method} needs {scope!r}")
    g.grant = grant


def _oldest_sign_in() -> datetime:
    """Sign-ins older than the session lifetime are over, whatever the cookie says."""
    return datetime.now(UTC) - current_app.permanent_session_lifetime


def load_sign_in() -> None:
    """The pages' ``before_request``: ``g.grant`` of the teacher this browser signed in as."""
    sign_in_id = session.get(SESSION_KEY)
    if not isinstance(sign_in_id, str):
        return
    row = db.session.scalar(
        select(SignIn).where(
            SignIn.session_hash == hash_token(sign_in_id), SignIn.created_at > _oldest_sign_in()
        )
    )
    g.grant = (
        None if row is None else Grant(teacher_id=row.teacher_id, scope=WRITE, expires_at=None)
    )


def sign_in(teacher: Teacher) -> None:
    """Start a page session for ``teacher``: a new random id in a new cookie (nothing from the
    session before survives: no fixation), its hash in ``sign_ins``."""
    sign_in_id = secrets.token_urlsafe(32)
    # Sessions that ended without a sign-out leave rows behind: prune them here.
    db.session.execute(delete(SignIn).where(SignIn.created_at <= _oldest_sign_in()))
    db.session.add(SignIn(session_hash=hash_token(sign_in_id), teacher_id=teacher.id))
    db.session.commit()
    session.clear()
    session[SESSION_KEY] = sign_in_id
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]


def sign_out() -> None:
    """End this browser's sign-in on every instance (its row goes), and clear the session."""
    sign_in_id = session.get(SESSION_KEY)
    if isinstance(sign_in_id, str):
        db.session.execute(delete(SignIn).where(SignIn.session_hash == hash_token(sign_in_id)))
        db.session.commit()
    session.clear()


def init_app(app: Flask) -> None:
    """Load each request's credential first, then CSRF checks on every form POST (a CSRFProtect
    of this app's own, ``app.extensions["csrf"]``: the JSON API opts out in ``app.api``)."""
    if not app.config.get("API_TOKEN_ENCRYPTION_KEY"):
        # Development only (production refuses to start without it): lookups use the hash,
        # so tokens keep working; only the encrypted copy is unreadable after a restart.
        app.config["API_TOKEN_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        app.logger.warning("API_TOKEN_ENCRYPTION_KEY not set; using a per-process key")
    app.before_request(load_credential)
    CSRFProtect(app)
