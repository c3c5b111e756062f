"""The one outage breaker for Redis: the rate limiter, the report cache and the token grants
all go through it.

During an outage every Redis call would wait out the socket timeout (1.5 s), turning one slow
answer into a hang. So after a failed call the breaker opens: for ``RETRY_AFTER_FAILURE_SECONDS``
optional calls are not made (the limiter counts in memory, the cache answers "not cached"),
then one caller is let through to try Redis again while the others keep doing without. A call
that succeeds closes it. Essential calls (an invalidation: a skipped one would serve stale
reports once Redis answers again) are always made.

One breaker per app (``app.extensions``), so two apps in one process never share an outage,
and one per worker, since each worker has its own app.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

EXTENSION = "redis_breaker"
RETRY_AFTER_FAILURE_SECONDS = 5.0


class Breaker:
    """Whether Redis may be called now, and what the last calls found."""

    def __init__(self, retry_after: float = RETRY_AFTER_FAILURE_SECONDS) -> None:
        self.retry_after = retry_after
        self.retry_at = 0.0  # time.monotonic() of the next try; 0: closed, Redis in use
        self._claim = threading.Lock()

    @property
    def is_open(self) -> bool:
        """Whether the last call failed and no call has succeeded since."""
        return bool(self.retry_at)

    def allows(self, *, essential: bool = False) -> bool:
        """Whether a call may go to Redis: always while it answers and for ``essential`` calls;
        while it is down, one caller per ``retry_after`` seconds (it claims the try)."""
        if not self.retry_at or essential:
            return True
        with self._claim:
            if time.monotonic() < self.retry_at:
                return False
            # Claimed: the next try is due an interval later, whatever this one finds.
            self.retry_at = time.monotonic() + self.retry_after
            return True

    def failed(self) -> bool:
        """Open (again) after a failed call; True when it was closed until now."""
        was_closed = not self.retry_at
        self.retry_at = time.monotonic() + self.retry_after
        return was_closed

    def succeeded(self) -> bool:
        """Close after a call that worked; True when it was open until now."""
        was_open = bool(self.retry_at)
        self.retry_at = 0.0
        return was_open


def init_app(app: Flask) -> None:
    """Give ``app`` its breaker (kept if the factory already made one)."""
    app.extensions.setdefault(EXTENSION, Breaker())


def of(app: Flask) -> Breaker:
    """``app``'s breaker."""
    breaker: Breaker = app.extensions[EXTENSION]
    return breaker
