"""Redis connections with short timeouts so an outage degrades the app instead of hanging it."""

from __future__ import annotations

import redis

SOCKET_TIMEOUT = 1.5
# After a failed call, what can do without Redis (the report cache, the rate limiter) leaves
# it alone this long: during an outage every call would otherwise wait out the timeout.
RETRY_AFTER_FAILURE_SECONDS = 5.0


def same_database(a: redis.Redis, b: redis.Redis) -> bool:
    """Whether two clients reach the same database of the same server (or socket) as one user."""
    left, right = a.connection_pool.connection_kwargs, b.connection_pool.connection_kwargs
    return all(left.get(f) == right.get(f) for f in ("host", "port", "path", "db", "username"))


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that gives up after ``SOCKET_TIMEOUT`` seconds."""
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
    )
