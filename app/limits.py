"""Rate limiting with Flask-Limiter: Redis storage when REDIS_URL is set, else in memory.

If Redis becomes unreachable the limiter falls back to per-process in-memory counters
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) rather than failing requests: limits stay enforced,
only less precisely (per worker instead of shared), until Redis comes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import limit_storage  # noqa: F401  (registers the gradetracker+redis scheme)
from .redis_client import SOCKET_TIMEOUT

if TYPE_CHECKING:
    from flask import Flask

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def _default_limit() -> str:
    return str(current_app.config["RATELIMIT_DEFAULT"])


def _write_limit() -> str:
    return str(current_app.config["RATELIMIT_WRITE"])


# Limits are callables read from the current app's config on each request, so every app
# built in one process (the tests build many) uses its own values, not the first app's.
limiter = Limiter(key_func=get_remote_address, default_limits=[_default_limit])


# Applied to API blueprints and form views: writes and credential checks are the endpoints
# worth throttling; GETs only get the default limit.
write_limit = limiter.limit(_write_limit, methods=WRITE_METHODS, override_defaults=False)


def init_app(app: Flask) -> None:
    """Configure the storage from REDIS_URL and the limits from RATELIMIT_* settings."""
    redis_url = app.config.get("REDIS_URL")
    # The hit-answering storage (app.limit_storage): one round trip per request, not three.
    storage_uri = f"gradetracker+{redis_url}" if redis_url else "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # Concurrent requests that hit the dead storage together: only the first switches to the
    # fallback, the others would get a 500. Swallowed, the error lets them through unlimited
    # (logged), and the next requests count in memory.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    if redis_url:
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {
                "socket_timeout": SOCKET_TIMEOUT,
                "socket_connect_timeout": SOCKET_TIMEOUT,
            },
        )
    limiter.init_app(app)
