"""Redis connections with short timeouts so an outage degrades the app instead of hanging it."""

from __future__ import annotations

import redis

SOCKET_TIMEOUT = 1.5


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that gives up after ``SOCKET_TIMEOUT`` seconds."""
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )
