"""Server-side sessions in Redis (Flask-Session) when REDIS_URL is set.

Without Redis, Flask's signed-cookie sessions are used. With Redis, a Redis error while loading
or saving a session falls back to a signed-cookie session for that request, so an outage logs
users out (and invalidates CSRF tokens) instead of failing every page.

The JSON API (bearer tokens only), static files and ``/health`` never use the session, so a
request to them gets none and costs no Redis round trip for one, cookie or not.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
)
from redis.exceptions import RedisError

from .api import PREFIX as API_PREFIX
from .health import PATH as HEALTH_PATH
from .redis_client import connect

if TYPE_CHECKING:
    from flask import Flask, Request, Response

log = logging.getLogger(__name__)


class NoSession(NullSession):
    """The session of a route that has none: Flask saves nothing for it; a write says why."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("this route has no session (API, static files and /health use none)")

    # NullSession binds its write methods to its own _fail; rebind them to this one's message.
    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class FallbackSessionInterface(SessionInterface):
    """Use ``primary`` (Redis, or signed cookies without it) and fall back to signed cookies
    while Redis fails; routes under ``sessionless_prefixes`` and /health get no session."""

    null_session_class = NoSession

    def __init__(self, primary: SessionInterface, sessionless_prefixes: tuple[str, ...]) -> None:
        self.primary = primary
        self.fallback = SecureCookieSessionInterface()
        self.sessionless_prefixes = sessionless_prefixes

    def open_session(self, app: Flask, request: Request) -> Any:
        # Before routing (Flask opens the session first), so by path, not by endpoint. Probes
        # never carry a cookie, but a browser asking for /health might.
        if request.path == HEALTH_PATH or request.path.startswith(self.sessionless_prefixes):
            return self.make_null_session(app)
        try:
            return self.primary.open_session(app, request)
        except RedisError as exc:
            log.warning("session store unavailable, using cookie session: %s", type(exc).__name__)
            return self.fallback.open_session(app, request)

    def regenerate(self, session: Any) -> None:
        """Give ``session`` a new id (on sign-in: an id planted before it names nothing after).
        A signed-cookie session has no id: its new contents are a new cookie."""
        if not isinstance(session, SecureCookieSession):
            self.primary.regenerate(session)  # type: ignore[attr-defined]

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if isinstance(session, SecureCookieSession):
            self.fallback.save_session(app, session, response)
            return
        try:
            self.primary.save_session(app, session, response)
        except RedisError as exc:
            log.warning("session store unavailable, using cookie session: %s", type(exc).__name__)
            # A visitor without a cookie gets a fresh server-side session that only fails here,
            # on saving: keep it as a signed cookie, or the CSRF token of the login form is
            # lost and nobody can sign in until Redis is back.
            cookie_session = SecureCookieSession(dict(session))
            cookie_session.modified = True
            self.fallback.save_session(app, cookie_session, response)


def init_app(app: Flask) -> None:
    """Store sessions in Redis when configured; keep cookie sessions otherwise. Either way the
    routes without a session get none, so development and the unit tests see what production
    does (a session write there fails everywhere, not only behind Redis)."""
    primary: SessionInterface = SecureCookieSessionInterface()
    if app.config.get("REDIS_URL"):
        from flask_session import Session

        app.config.setdefault("SESSION_TYPE", "redis")
        app.config.setdefault("SESSION_REDIS", connect(app.config["REDIS_URL"]))
        app.config.setdefault("SESSION_KEY_PREFIX", "gradetracker:session:")
        Session(app)
        primary = app.session_interface
    # An app serving static files from the root ("" or None) has no static prefix to skip.
    static = f"{app.static_url_path}/" if app.static_url_path else None
    sessionless = tuple(prefix for prefix in (static, f"{API_PREFIX}/") if prefix)
    app.session_interface = FallbackSessionInterface(primary, sessionless)
