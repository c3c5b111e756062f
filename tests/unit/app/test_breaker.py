"""The one outage breaker for Redis (app.breaker), and the cache calls that go through it
(app.cache.call): after a failure the optional calls are skipped for a while (an outage costs a
worker one socket timeout, not one per call), one caller per interval tries again, invalidations
are always attempted, and each app has its own."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from app import breaker, cache
from app.breaker import RETRY_AFTER_FAILURE_SECONDS, Breaker


class Backend:
    """A cache operation that fails like an unreachable Redis, counting its attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self) -> None:
        self.attempts += 1
        raise ConnectionError("Redis is down")


def test_while_redis_is_down_one_caller_per_interval_tries_it() -> None:
    outage = Breaker()
    assert outage.allows()  # it answers, as far as anyone knows
    assert outage.failed()  # opened now
    assert not outage.allows()
    outage.retry_at = time.monotonic()  # the next try is due now
    # Concurrent callers: the first claims the try, the others do without meanwhile.
    assert [outage.allows() for _ in range(3)] == [True, False, False]
    assert outage.retry_at >= time.monotonic() + RETRY_AFTER_FAILURE_SECONDS - 1
    assert outage.allows(essential=True)
    assert outage.succeeded()
    assert not outage.is_open
    assert not outage.succeeded()  # it was closed already


def test_optional_calls_are_skipped_after_a_failure(app: Flask) -> None:
    backend = Backend()
    with app.app_context():
        assert [cache.call(backend, "default") for _ in range(3)] == ["default"] * 3
    assert backend.attempts == 1


def test_essential_calls_are_attempted_even_while_skipping(app: Flask) -> None:
    backend = Backend()
    with app.app_context():
        cache.call(backend)
        cache.call(backend, essential=True)
        cache.call(backend, essential=True)
    assert backend.attempts == 3


def test_calls_resume_once_the_interval_has_passed(app: Flask) -> None:
    backend = Backend()
    with app.app_context():
        cache.call(backend)
        breaker.of(app).retry_at = time.monotonic()
        cache.call(backend)  # the one try of this interval: fails again
        assert cache.call(lambda: "hit") is None  # skipped: the breaker opened again
        breaker.of(app).retry_at = time.monotonic()
        assert cache.call(lambda: "hit") == "hit"
        assert not breaker.of(app).is_open
    assert backend.attempts == 2


def test_the_breaker_belongs_to_one_app(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(), make_app()
    assert breaker.of(first) is not breaker.of(second)
    with first.app_context():
        cache.call(Backend())
    with second.app_context():
        assert cache.call(lambda: "hit") == "hit"
