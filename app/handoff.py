"""Values one step of a request hands to a later step of the same request.

The rate-limit count hands the token check the keys it read along; the token check hands the
view the report it read with the grant. They live in the WSGI environ, not ``flask.g``: ``g``
outlives the request under an outer app context (tests, the CLI), where a later request could
pick up a stale grant or report.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

PREFIX = "gradetracker."


def hand_on(name: str, value: Any) -> None:
    """Leave ``value`` for a later step of this request (nothing outside a request)."""
    if has_request_context():
        request.environ[PREFIX + name] = value


def take(name: str) -> Any:
    """What this request handed on under ``name``, once; None when nothing (or no request)."""
    if not has_request_context():
        return None
    return request.environ.pop(PREFIX + name, None)
