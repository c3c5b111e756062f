"""After a cache failure the optional cache calls are skipped for a while (an outage costs a
worker one socket timeout, not one per call); invalidations are always attempted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app import reports


class Backend:
    """A cache operation that fails like an unreachable Redis, counting its attempts."""

    def __init__(self) -> None:
        self.attempts = 0

    def __call__(self) -> None:
        self.attempts += 1
        raise ConnectionError("Redis is down")


def test_optional_calls_are_skipped_after_a_failure(app: Flask) -> None:
    backend = Backend()
    with app.app_context():
        assert reports.call_cache(backend, "default") == "default"
        assert reports.call_cache(backend, "default") == "default"
        assert reports.call_cache(backend, "default") == "default"
    assert backend.attempts == 1


def test_essential_calls_are_attempted_even_while_skipping(app: Flask) -> None:
    backend = Backend()
    with app.app_context():
        reports.call_cache(backend)
        reports.call_cache(backend, essential=True)
        reports.call_cache(backend, essential=True)
    assert backend.attempts == 3


def test_calls_resume_once_the_window_has_passed(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = Backend()
    with app.app_context():
        reports.call_cache(backend)
        monkeypatch.setattr(reports, "RETRY_AFTER_FAILURE_SECONDS", 0.0)
        app.extensions["report_cache_health"]["skip_until"] = 0.0
        reports.call_cache(backend)
        assert reports.call_cache(lambda: "hit") == "hit"
    assert backend.attempts == 2


def test_the_window_belongs_to_one_app(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(), make_app()
    with first.app_context():
        reports.call_cache(Backend())
    with second.app_context():
        assert reports.call_cache(lambda: "hit") == "hit"
