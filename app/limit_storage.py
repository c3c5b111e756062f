"""A Redis rate-limit storage that answers the limit headers from its own hit.

Flask-Limiter counts a request with one script call (INCRBY + EXPIRE), then reads the same
counter back for ``X-RateLimit-Remaining`` (GET) and ``X-RateLimit-Reset`` / ``Retry-After``
(TTL): three round trips, most of a cached read's Redis time. Here the script returns the
count and the TTL together, and reads of the same key later in the same request take them from
that answer (kept on ``flask.g``, so it never outlives the request; outside a request every
read goes to Redis). The counter itself stays in Redis, shared by every instance.
"""

from __future__ import annotations

import time
from typing import Any

from flask import g, has_request_context
from limits.storage import RedisStorage

SCHEME = "gradetracker+redis"

# INCRBY, EXPIRE when the window starts, and the TTL in the same round trip.
INCR_EXPIRE_TTL = """
local current = redis.call("incrby", KEYS[1], tonumber(ARGV[2]))
if current == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


class HitAnsweringRedisStorage(RedisStorage):
    """``RedisStorage`` whose ``get`` / ``get_expiry`` right after ``incr`` cost nothing."""

    STORAGE_SCHEME = [SCHEME, SCHEME.replace("redis", "rediss")]

    def __init__(self, uri: str, **options: Any) -> None:
        # gradetracker+redis://... -> redis://... for redis-py.
        super().__init__(uri.removeprefix("gradetracker+"), **options)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_expire_ttl = self.get_connection().register_script(INCR_EXPIRE_TTL)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        prefixed = self.prefixed_key(key)
        current, ttl = self.lua_incr_expire_ttl([prefixed], [expiry, amount])
        if has_request_context():
            # Per key: one request can count several limits (the default and a write limit).
            hits = g.setdefault("rate_limit_hits", {})
            hits[prefixed] = (int(current), max(int(ttl), 0) + time.time())
        return int(current)

    def _answer(self, key: str) -> tuple[int, float] | None:
        if not has_request_context():
            return None
        return g.get("rate_limit_hits", {}).get(self.prefixed_key(key))

    def get(self, key: str) -> int:
        hit = self._answer(key)
        return super().get(key) if hit is None else hit[0]

    def get_expiry(self, key: str) -> float:
        hit = self._answer(key)
        return super().get_expiry(key) if hit is None else hit[1]
