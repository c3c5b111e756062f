"""The JSON API under /api/v1: one blueprint per resource.

All API blueprints share: bearer-token auth on every request (``read`` scope for GET, ``write``
for the rest; see ``auth.authenticate``), no CSRF (there is no cookie authentication to
forge), the write rate limit, and ETags on GET so clients can revalidate with ``If-None-Match``
and make a PATCH or DELETE conditional with ``If-Match`` (``writes.check_if_match``). All of it
is attached to each app in ``init_app``: nothing about an app is set when a module is imported.
The API's OpenAPI document (``app.openapi``) is served beside them, without a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

from .. import blueprints, limits, openapi
from ..auth import authenticate
from . import assignments, courses, enrollments, grades, reports, students

if TYPE_CHECKING:
    from flask import Flask, Response

PREFIX = "/api/v1"
BLUEPRINTS = (
    courses.bp,
    students.bp,
    enrollments.bp,
    assignments.bp,
    grades.bp,
    reports.bp,
)


def add_etag(response: Response) -> Response:
    """Give successful GET responses an ETag and answer a matching If-None-Match with 304."""
    if request.method == "GET" and response.status_code == 200 and response.is_json:
        # Private records: no cache, browser or shared, keeps a copy (docs/app.md, "Caching").
        # The header as a string: werkzeug's cache_control object re-serializes on every
        # change, which was most of this hook's 0.13 ms on a cached read.
        response.headers["Cache-Control"] = "no-store"
        response.add_etag()
        if "If-None-Match" in request.headers:
            response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    """Register the API blueprints on ``app`` with their shared policies."""
    from flask_cors import CORS

    csrf = app.extensions["csrf"]
    for bp in BLUEPRINTS:
        blueprints.register(
            app,
            bp,
            url_prefix=PREFIX + (bp.url_prefix or ""),
            before_request=[authenticate],
            after_request=[add_etag],
        )
        csrf.exempt(bp)
        limits.write_limit(app, bp)
    reports.init_app(app)
    openapi.init_app(app, PREFIX)
    CORS(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match"],
        expose_headers=["ETag"],
        methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )
