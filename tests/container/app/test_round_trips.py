"""Redis round trips per cached read, counted at redis-py's connection on the real Redis.

A cached course summary or student report costs one round trip: the script call that counts
the rate limit, returns its window for the X-RateLimit headers and reads the token's grant, the
course version and the report along (``auth.Credential``, ``limits.count_request``). Before,
it was five (grant GET, report MGET, counter script, counter GET, counter TTL), then two; a
count above one means a round trip crept back. Without the read-along (a limiter on another
Redis) the auth hook reads the three keys in one MGET. A static file costs none. The client is
signed in, as a browser that also calls the API is: the API, static files and /health never
load that session from Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask import Flask

from tests.app_helpers import ApiClient, sign_in
from tests.container.app.support import (
    LIMITER_PREFIX,
    SESSION_PREFIX,
    commands,
    redis_keys,
    round_trips,
)

pytestmark = pytest.mark.container

School = dict[str, dict[str, Any]]


def cached_reads(school: School) -> list[str]:
    course, student = school["math"]["id"], school["ada"]["id"]
    return [f"/courses/{course}/summary", f"/courses/{course}/students/{student}/report"]


@pytest.fixture
def signed_in(api: ApiClient) -> ApiClient:
    """``api`` whose client also carries a signed-in session cookie (stored in Redis)."""
    assert sign_in(api.client).status_code == 302
    assert api.client.get_cookie("session") is not None
    return api


@pytest.mark.parametrize("which", [0, 1], ids=["course summary", "student report"])
@pytest.mark.parametrize("read_along", [True, False], ids=["read along", "separate MGET"])
def test_a_cached_read_costs_one_round_trip_with_its_count(
    signed_in: ApiClient,
    school: School,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    which: int,
    read_along: bool,
) -> None:
    from app.limits import EXTENSION

    if not read_along:
        monkeypatch.setattr(app.extensions[EXTENSION], "reads_along", False)
    api = signed_in
    path = cached_reads(school)[which]
    first = api.get(path)  # builds and stores the report
    assert first.status_code == 200
    with round_trips(monkeypatch) as sent:
        again = api.get(path)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert len(sent) == (1 if read_along else 2), commands(sent)
    assert b"EVALSHA" in commands(sent)[0]


def test_keys_read_along_come_back_with_the_count(
    make_app: Callable[..., Flask], redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.limit_storage import count
    from app.limits import EXTENSION

    storage = make_app().extensions[EXTENSION].storage
    redis_client.set("round-trips/present", b"value")
    redis_client.rpush("round-trips/a-list", b"item")  # MGET's nil, where GET would fail
    count(storage, "round-trips/warm-up", 60)  # redis-py loads the script on its first call
    along = ["round-trips/missing", "round-trips/present", "round-trips/a-list"]
    with round_trips(monkeypatch) as sent:
        hits, _, values = count(storage, "round-trips/along", 60, along)
    assert (len(sent), hits, values) == (1, 1, [None, b"value", None])


def test_the_rate_limit_headers_come_from_the_counted_hit(
    api: ApiClient, school: School, redis_client: redis.Redis
) -> None:
    path = cached_reads(school)[0]
    api.get(path)
    response = api.get(path)
    (key,) = [k for k in redis_keys(redis_client, LIMITER_PREFIX) if "reports.course_summary" in k]
    counted = int(redis_client.get(key) or 0)
    limit = int(response.headers["X-RateLimit-Limit"])
    assert int(response.headers["X-RateLimit-Remaining"]) == limit - counted
    # The reset is the counter's TTL from the hit as a timestamp; the window is one minute.
    assert 0 < int(response.headers["X-RateLimit-Reset"]) - time.time() <= 61


def test_a_static_file_costs_no_round_trip(
    signed_in: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with round_trips(monkeypatch) as sent:
        response = signed_in.client.get("/static/style.css")
        response.close()
    assert response.status_code == 200
    assert sent == []
    assert "Set-Cookie" not in response.headers


def test_a_page_still_loads_the_session(
    signed_in: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with round_trips(monkeypatch) as sent:
        page = signed_in.client.get("/")
    assert "/logout" in page.text  # still signed in: the session came from Redis
    assert any(SESSION_PREFIX.encode() in b"".join(c) for c in sent if isinstance(c, list))


def test_a_hit_is_counted_and_its_window_read_in_one_round_trip(
    make_app: Callable[..., Flask], redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count and the window's end come from one script call, and every hit asks Redis, so a
    count another instance added meanwhile is never hidden."""
    from app.limit_storage import count
    from app.limits import EXTENSION

    storage = make_app().extensions[EXTENSION].storage
    key = "round-trips/count"
    count(storage, "round-trips/warm-up", 60)  # redis-py loads the script on its first call
    with round_trips(monkeypatch) as sent:
        hits, reset_at, _ = count(storage, key, 60)
    assert (len(sent), hits) == (1, 1)
    assert 0 < reset_at - time.time() <= 61
    redis_client.incr(storage.prefixed_key(key))  # another instance counts meanwhile
    assert count(storage, key, 60)[0] == 3
