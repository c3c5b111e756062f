"""What a gunicorn worker resets when it is forked from a master that preloaded the app.

``preload_app`` builds the app once in the master, which then forks the workers. Building it
opens no connection (``tests/container/app/test_preload.py`` counts them), but anything opened
in the master before a fork would be shared by every worker: two processes writing to one
PostgreSQL socket corrupt each other's results. So each worker drops the pool it inherited
(without closing the parent's connections, which the master may still hold) and opens its own.
Redis clients need nothing here: redis-py's pools note the pid that made them and start afresh
in a forked child; Sentry's background sender does the same, and the rate limiter's in-memory
fallback holds no counts before the first request (its expiry timer restarts when used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .db import db

if TYPE_CHECKING:
    from flask import Flask


def after_fork(app: Flask) -> None:
    """In a freshly forked worker: forget every database connection inherited from the master."""
    with app.app_context():
        for engine in db.engines.values():
            # close=False: closing would end the parent's sessions on the server side.
            engine.dispose(close=False)
