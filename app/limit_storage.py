"""A Redis rate-limit storage that answers the limit headers from its own hit.

Flask-Limiter counts a request with one script call (INCRBY + EXPIRE), then reads the same
counter back for ``X-RateLimit-Remaining`` (GET) and ``X-RateLimit-Reset`` / ``Retry-After``
(TTL): three round trips, most of a cached read's Redis time. Here the script returns the
count and the TTL together, and the two reads that follow in the same thread for the same key
take them from that answer. The counter itself stays in Redis, shared by every instance.
"""

from __future__ import annotations

import threading
import time
from typing import Any

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
        self._answers = threading.local()

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_expire_ttl = self.get_connection().register_script(INCR_EXPIRE_TTL)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        prefixed = self.prefixed_key(key)
        current, ttl = self.lua_incr_expire_ttl([prefixed], [expiry, amount])
        # Only this thread's latest hit: a later request always hits before it reads.
        self._answers.hit = (prefixed, int(current), max(int(ttl), 0) + time.time())
        return int(current)

    def _answer(self, key: str) -> tuple[str, int, float] | None:
        hit = getattr(self._answers, "hit", None)
        return hit if hit is not None and hit[0] == self.prefixed_key(key) else None

    def get(self, key: str) -> int:
        hit = self._answer(key)
        return super().get(key) if hit is None else hit[1]

    def get_expiry(self, key: str) -> float:
        hit = self._answer(key)
        return super().get_expiry(key) if hit is None else hit[2]
