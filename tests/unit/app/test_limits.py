"""The rate limiter (app.limits): which limits apply where, the headers, one app's state, and
counting in memory while the storage is down. The shared Redis counters are tested on a real
Redis in tests/container/app/test_rate_limits.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from flask import Flask, g
from limits.storage import MemoryStorage

from app import auth, breaker, limits
from app.limits import EXTENSION, POLICY, RateLimits
from app.tokens import grant_key, hash_token
from tests.app_helpers import ApiClient, token_for

# Nothing listens on port 1: every storage call fails at once (connection refused).
DEAD_REDIS = "redis://127.0.0.1:1/0"


def limited(make_app: Callable[..., Flask], **config: object) -> tuple[Flask, ApiClient]:
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "100 per minute", **config}
    app = make_app(**settings)
    with app.app_context():
        return app, ApiClient(app.test_client(), token_for("limits"))


def student(number: int) -> dict[str, str]:
    return {"name": f"Student {number}", "email": f"s{number}@example.com"}


def test_a_read_reports_the_default_limit_and_what_is_left(
    make_app: Callable[..., Flask],
) -> None:
    _, api = limited(make_app)
    first, second = api.get("/courses"), api.get("/courses")
    assert first.headers["X-RateLimit-Limit"] == second.headers["X-RateLimit-Limit"] == "100"
    assert (first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]) == (
        "99",
        "98",
    )
    assert 0 < int(second.headers["X-RateLimit-Reset"]) - time.time() <= 61
    # Retry-After belongs to a refusal only.
    assert "Retry-After" not in second.headers


def test_a_write_reports_the_tighter_write_limit(make_app: Callable[..., Flask]) -> None:
    _, api = limited(make_app, RATELIMIT_WRITE="3 per minute")
    response = api.post("/students", student(1))
    assert response.status_code == 201
    assert (response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Remaining"]) == (
        "3",
        "2",
    )


def test_the_write_limit_spares_reads_and_counts_per_endpoint(
    make_app: Callable[..., Flask],
) -> None:
    _, api = limited(make_app, RATELIMIT_WRITE="2 per minute")
    assert [api.post("/students", student(n)).status_code for n in range(3)] == [201, 201, 429]
    assert [api.get("/students").status_code for _ in range(3)] == [200] * 3
    # Another endpoint has its own counter.
    assert api.post("/courses", {"code": "C1", "name": "Course"}).status_code == 201


def test_a_refusal_says_when_to_retry(make_app: Callable[..., Flask]) -> None:
    _, api = limited(make_app, RATELIMIT_WRITE="1 per minute")
    api.post("/students", student(1))
    refused = api.post("/students", student(2))
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error == {
        "code": "too_many_requests",
        "message": "Too many requests: the limit is 1 per 1 minute",
    }
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_a_refused_page_is_html_with_retry_after(make_app: Callable[..., Flask]) -> None:
    app, _ = limited(make_app, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    client.get("/login")
    refused = client.get("/login")
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert int(refused.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("path", ["/health", "/static/style.css", "/no-such-page"])
def test_health_static_files_and_unknown_paths_are_not_counted(
    make_app: Callable[..., Flask], path: str
) -> None:
    app, _ = limited(make_app, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    responses = [client.get(path) for _ in range(3)]
    for response in responses:
        response.close()  # a static file's answer holds the file open
    assert len({r.status_code for r in responses}) == 1
    assert responses[0].status_code != 429
    assert all("X-RateLimit-Limit" not in r.headers for r in responses)


class CountingSet(set[str]):
    """A set that counts membership tests: how often limits were worked out."""

    checks = 0

    def __contains__(self, item: object) -> bool:
        self.checks += 1
        return super().__contains__(item)


def test_an_endpoints_limits_are_worked_out_once(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, api = limited(make_app, RATELIMIT_WRITE="50 per minute")
    exempt = CountingSet(app.extensions[POLICY].exempt)
    monkeypatch.setattr(app.extensions[POLICY], "exempt", exempt)
    for n in range(5):
        api.get("/courses")
        api.post("/students", student(n))
    assert exempt.checks == 2  # once for each endpoint and kind of request
    resolved = app.extensions[EXTENSION]._resolved
    assert [str(item) for item in resolved["students.create_student", True]] == [
        "100 per 1 minute",
        "50 per 1 minute",
    ]


def test_the_shortest_window_is_counted_first_and_stops_the_count(
    make_app: Callable[..., Flask],
) -> None:
    app, api = limited(make_app, RATELIMIT_DEFAULT="5 per hour", RATELIMIT_WRITE="1 per minute")
    assert [api.post("/students", student(n)).status_code for n in range(2)] == [201, 429]
    rate_limits: RateLimits = app.extensions[EXTENSION]
    hourly = rate_limits.default[0].key_for("127.0.0.1", "students.create_student")
    # The refused write used up none of the hour's allowance.
    assert rate_limits.storage.get(hourly) == 1


def test_a_limit_in_both_settings_is_one_counter(make_app: Callable[..., Flask]) -> None:
    _, api = limited(make_app, RATELIMIT_DEFAULT="3 per minute", RATELIMIT_WRITE="3 per minute")
    assert [api.post("/students", student(n)).status_code for n in range(4)] == [201] * 3 + [429]


def test_each_app_has_its_own_limits_and_state(make_app: Callable[..., Flask]) -> None:
    strict, _ = limited(make_app, RATELIMIT_DEFAULT="1 per minute", REDIS_URL=DEAD_REDIS)
    lenient, _ = limited(make_app, RATELIMIT_DEFAULT="5 per minute")
    strict_client, lenient_client = strict.test_client(), lenient.test_client()
    assert [strict_client.get("/login").status_code for _ in range(2)] == [200, 429]
    assert [lenient_client.get("/login").status_code for _ in range(2)] == [200, 200]
    # The strict app's dead storage did not switch the other app to memory.
    assert breaker.of(strict).is_open
    assert not breaker.of(lenient).is_open
    # Nor do the apps share which blueprints are exempt or write-limited.
    assert strict.extensions[POLICY] is not lenient.extensions[POLICY]


def test_a_dead_storage_counts_in_memory_then_is_tried_again(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = limited(make_app, RATELIMIT_DEFAULT="2 per minute", REDIS_URL=DEAD_REDIS)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="app.limits"):
        statuses = [client.get("/login").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # still enforced, in this process's memory
    # One warning: the later requests did not try the dead storage again.
    assert [r.getMessage() for r in caplog.records if r.name == "app.limits"] == [
        "rate-limit storage unavailable (ConnectionError); counting in memory for 5 s"
    ]
    breaker.of(app).retry_at = time.monotonic()  # the retry interval has passed
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.limits"):
        client.get("/login")
    retried = [r for r in caplog.records if r.name == "app.limits"]
    assert len(retried) == 1, "the storage was not tried again after the interval"


def test_counting_returns_to_the_storage_when_it_answers_again(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = limited(make_app, REDIS_URL=DEAD_REDIS, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    client.get("/login")  # fails over to memory
    rate_limits: RateLimits = app.extensions[EXTENSION]
    rate_limits.storage = MemoryStorage()  # "Redis" is back
    breaker.of(app).retry_at = time.monotonic()
    with caplog.at_level(logging.INFO, logger="app.limits"):
        assert client.get("/login").status_code == 200
    assert not breaker.of(app).is_open
    assert "rate-limit storage answering again" in caplog.messages
    # Counted in the storage now: its window started afresh with this request.
    assert client.get("/login").headers["X-RateLimit-Remaining"] == "0"


def test_without_the_fallback_a_dead_storage_fails_the_request(
    make_app: Callable[..., Flask],
) -> None:
    app, api = limited(make_app, REDIS_URL=DEAD_REDIS, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)
    response = api.get("/courses")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_server_error"


def test_switched_off_there_is_no_limiter(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=False, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    assert EXTENSION not in app.extensions
    assert "X-RateLimit-Limit" not in client.get("/login").headers


def test_keys_are_read_along_only_where_the_cache_shares_the_limiters_redis(
    make_app: Callable[..., Flask],
) -> None:
    """Read from another database, a grant would be stale (its tombstone is not there) and a
    report another app's. The clients connect lazily: nothing here reaches a server."""
    from app.limit_storage import PREFIX

    def reads_along(**config: object) -> bool:
        app, _ = limited(make_app, **config)
        return app.extensions[EXTENSION].reads_along

    no_database = DEAD_REDIS.removesuffix("/0")
    assert reads_along(REDIS_URL=DEAD_REDIS)
    assert not reads_along()  # in-process cache and counters: nothing to read along
    assert not reads_along(REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI="memory://")
    assert not reads_along(REDIS_URL=DEAD_REDIS, CACHE_TYPE="SimpleCache")
    other_database = f"{PREFIX}{no_database}/1"
    assert not reads_along(REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI=other_database)
    assert not reads_along(REDIS_URL=DEAD_REDIS, CACHE_REDIS_URL=f"{no_database}/2")
    # The same URL, but a storage option that moves the limiter to database 1.
    assert not reads_along(REDIS_URL=no_database, RATELIMIT_STORAGE_OPTIONS={"db": 1})


def test_only_values_the_storage_read_are_given_to_the_credential(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = limited(make_app, REDIS_URL=DEAD_REDIS)
    headers = {"Authorization": "Bearer gt_x"}
    key = grant_key(hash_token("gt_x"))
    with app.test_request_context("/api/v1/courses", headers=headers):
        auth.load_credential()
        limits.count_request()  # Redis is dead: counted in memory, nothing read
        assert g.rate_limit.remaining == 99
        assert g.credential.keys == [key]
        assert g.credential.read is None

    def counted(storage: object, key: str, expiry: int, along: list[str] = ()) -> object:
        # The values as Redis holds them: the cache's serializer writes an int as its digits.
        return 1, time.time() + expiry, [b"1"] if along else None

    monkeypatch.setattr(limits.limit_storage, "count", counted)
    breaker.of(app).retry_at = 0.0
    with app.test_request_context("/api/v1/courses", headers=headers):
        auth.load_credential()
        limits.count_request()
        assert g.credential.read == {key: 1}  # decoded once, as the cache decodes it


def test_a_credential_reads_its_keys_once(make_app: Callable[..., Flask]) -> None:
    """What the count read along is used as it is; without it, one MGET reads all the keys."""
    app, _ = limited(make_app)
    with app.test_request_context("/"):
        along = auth.Credential("hash", ["a", "b"])
        along.read_along([1, None])
        assert along.values() == {"a": 1, "b": None}
        alone = auth.Credential("hash", ["a", "b"])
        assert alone.values() == {"a": None, "b": None}  # read now: nothing cached
        assert alone.read == {"a": None, "b": None}


def test_without_the_fallback_the_storage_is_asked_while_the_breaker_is_open(
    make_app: Callable[..., Flask],
) -> None:
    """The breaker is shared with the cache: a Redis failure the cache found must not leave a
    limiter without a fallback with nowhere to count."""
    app, _ = limited(make_app, REDIS_URL=DEAD_REDIS, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)
    app.extensions[EXTENSION].storage = MemoryStorage()  # the limiter's storage answers
    breaker.of(app).failed()  # the cache found Redis down
    response = app.test_client().get("/login")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "99"
