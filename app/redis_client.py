"""Redis connections with short timeouts so an outage degrades the app instead of hanging it."""

from __future__ import annotations

import redis

# What can do without Redis (the cache, the rate limiter) then leaves it alone for a while:
# ``app.breaker``.
SOCKET_TIMEOUT = 1.5


def same_database(a: redis.Redis, b: redis.Redis) -> bool:
    """Whether two clients reach the same database of the same server (or socket) as one user."""
    left, right = a.connection_pool.connection_kwargs, b.connection_pool.connection_kwargs
    return all(left.get(f) == right.get(f) for f in ("host", "port", "path", "db", "username"))


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that gives up after ``SOCKET_TIMEOUT`` seconds."""
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )
