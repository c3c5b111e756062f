"""Security headers on every response, set by Flask-Talisman.

- ``Content-Security-Policy``: scripts, styles, images and form targets from this origin only
  (the templates have no inline script or style), and ``frame-ancestors 'none'`` so no site can
  frame the signed-in form pages; ``X-Frame-Options: DENY`` says the same to older browsers.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (page URLs hold
  student ids; other sites need not see them).
- ``Cache-Control: no-store`` on every answer but static files (which set their own max-age):
  pages show grades and student names, and a shared computer's browser cache or a proxy must
  keep no copy. The API sets the same on its reads (app/api/__init__.py).
- ``Strict-Transport-Security`` in production only, on requests that arrived over HTTPS
  (Render terminates TLS and says so in ``X-Forwarded-Proto``, trusted through ProxyFix).

No HTTPS redirect here: Render already redirects HTTP, and its health checks reach the
container over plain HTTP, which a redirect would fail. The session cookie flags stay the app's
(Talisman would otherwise force ``Secure`` on in development too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_talisman import Talisman

from .config import PRODUCTION

if TYPE_CHECKING:
    from flask import Flask, Response

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS_SECONDS = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Attach a Talisman of its own to ``app`` (it remembers its app, so never share one)."""
    Talisman(
        app,
        force_https=False,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=app.config["APP_ENV"] == PRODUCTION,
        strict_transport_security_max_age=HSTS_SECONDS,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
    )
    app.after_request(no_store)


def no_store(response: Response) -> Response:
    """Mark every answer except static files ``no-store`` unless it already says otherwise."""
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response
