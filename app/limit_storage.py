"""Counting a rate-limit hit in one round trip: the new count and the window's reset together.

The ``limits`` package's Redis storage counts with one script call (INCRBY + EXPIRE), and its
window stats read the counter back for ``X-RateLimit-Remaining`` (GET) and
``X-RateLimit-Reset`` / ``Retry-After`` (TTL): three round trips, most of a cached read's
Redis time. ``count`` asks for both in the same script call. The counter stays where the
package keeps it (``LIMITS:<key>`` in Redis), shared by every instance.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import RedisStorage, Storage

# Put before a redis:// or rediss:// URL; limits' storage_from_string finds this class by it.
PREFIX = "gradetracker+"
SCHEME = f"{PREFIX}redis"

# INCRBY, EXPIRE when the window starts, and the time left (PTTL, in ms: TTL rounds to the
# nearest second) in the same round trip.
INCR_EXPIRE_PTTL = """
local current = redis.call("incrby", KEYS[1], tonumber(ARGV[2]))
if current == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("pttl", KEYS[1])}
"""


class CountingRedisStorage(RedisStorage):
    """``RedisStorage`` that counts a hit and reads its window's time left in one script call."""

    STORAGE_SCHEME = [SCHEME, SCHEME.replace("redis", "rediss")]

    def __init__(self, uri: str, **options: Any) -> None:
        # gradetracker+redis://... -> redis://... for redis-py.
        super().__init__(uri.removeprefix(PREFIX), **options)

    def initialize_storage(self, uri: str) -> None:
        super().initialize_storage(uri)
        self.lua_incr_expire_pttl = self.get_connection().register_script(INCR_EXPIRE_PTTL)

    def count(self, key: str, expiry: int) -> tuple[int, float]:
        current, left_ms = self.lua_incr_expire_pttl([self.prefixed_key(key)], [expiry, 1])
        return int(current), time.time() + max(int(left_ms), 0) / 1000


def count(storage: Storage, key: str, expiry: int) -> tuple[int, float]:
    """Add a hit to ``key``'s window: the count so far and when the window ends (epoch s)."""
    if isinstance(storage, CountingRedisStorage):
        return storage.count(key, expiry)
    return storage.incr(key, expiry), storage.get_expiry(key)
