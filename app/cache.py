"""The cache the token grants and the reports share: Redis when REDIS_URL is set (every instance
and worker sees it), else process memory (development, the unit tests).

Every call goes through ``call``, which asks the app's outage breaker (``app.breaker``) first:
a failed call is logged and answers its default ("not cached"), and while Redis is down the
optional calls are not made at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import redis
from flask import current_app
from flask_caching import Cache

from . import breaker
from .redis_client import connect

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
store = Cache()
PREFIX = "gradetracker:"


def init_app(app: Flask) -> None:
    """Cache in Redis when REDIS_URL is set, else in process memory."""
    if app.config.get("REDIS_URL"):
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_HOST", connect(app.config["REDIS_URL"]))
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_KEY_PREFIX", PREFIX)
    breaker.init_app(app)
    store.init_app(app)


def is_shared() -> bool:
    """Whether the cache is Redis, which every instance and worker sees, not process memory."""
    return current_app.config["CACHE_TYPE"] == "RedisCache"


def redis_client(app: Flask) -> redis.Redis | None:
    """The client the cache reads through, when it is a Redis client the config gave
    flask-caching (``init_app``'s for REDIS_URL); None for any other cache, or one set by URL."""
    client = app.config.get("CACHE_REDIS_HOST")
    if app.config["CACHE_TYPE"] != "RedisCache" or "CACHE_REDIS_URL" in app.config:
        return None
    return client if isinstance(client, redis.Redis) else None


def redis_keys(keys: Sequence[str]) -> list[str]:
    """The Redis names of cache ``keys`` (the cache's prefix added)."""
    prefix = current_app.config["CACHE_KEY_PREFIX"]
    return [f"{prefix}{key}" for key in keys]


def call(operation: Callable[[], Any], default: Any = None, *, essential: bool = False) -> Any:
    """``operation``'s result, or ``default`` when the backend fails (logged) or, unless
    ``essential``, while the breaker keeps Redis alone."""
    outage = breaker.of(current_app)
    if not outage.allows(essential=essential):
        return default
    try:
        result = operation()
    except Exception as exc:  # any backend failure must degrade to "not cached"
        outage.failed()
        log.warning("cache unavailable: %s", type(exc).__name__)
        return default
    outage.succeeded()
    return result


def get_many(keys: Sequence[str]) -> list[Any]:
    """The cached values of ``keys`` in one MGET (all None when the cache fails)."""
    return call(lambda: store.get_many(*keys), [None] * len(keys))


def decode(raw: Sequence[bytes | None]) -> list[Any]:
    """Values read from Redis directly (the rate-limit count reads them along), decoded as
    ``get_many`` decodes them; a value that does not decode reads as a miss."""
    loads = store.cache.serializer.loads
    values = []
    for value in raw:
        try:
            values.append(loads(value))
        except Exception as exc:  # a corrupt entry is a miss, as it is for get_many
            log.warning("cache entry unreadable: %s", type(exc).__name__)
            values.append(None)
    return values
