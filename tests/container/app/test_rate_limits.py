"""Rate limits count in the real Redis, so every instance behind Render's load balancer
enforces one shared limit per client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from flask import Flask

from tests.app_helpers import ApiClient
from tests.container.app.support import LIMITER_PREFIX, migrate, redis_keys

pytestmark = [pytest.mark.container, pytest.mark.checklist(8)]

WRITE_LIMIT = 3
WRITE_COUNTER = f"{LIMITER_PREFIX}127.0.0.1/students.create_student/{WRITE_LIMIT}/1/minute"


@pytest.fixture
def two_instances(make_app: Callable[..., Flask]) -> tuple[ApiClient, ApiClient]:
    """API clients of two apps on the same PostgreSQL and Redis, one token for both."""
    first, second = (make_app(RATELIMIT_WRITE=f"{WRITE_LIMIT} per minute") for _ in "ab")
    migrate(first)
    result = first.test_cli_runner().invoke(args=["create-token", "two-instances"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    return ApiClient(first.test_client(), token), ApiClient(second.test_client(), token)


def add_student(api: ApiClient, number: int) -> int:
    body = {"name": f"Student {number}", "email": f"student{number}@example.com"}
    return api.post("/students", body).status_code


def test_write_limit_is_shared_by_two_instances(
    two_instances: tuple[ApiClient, ApiClient], redis_client: redis.Redis
) -> None:
    first, second = two_instances

    allowed = [add_student(api, n) for n, api in enumerate([first, second, first])]
    refused = second.post("/students", {"name": "Eve", "email": "eve@example.com"})

    assert allowed == [201, 201, 201]
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in refused.headers
    # One counter, keyed by client address and route, holds the hits of both instances
    # (the refused one is counted too).
    assert redis_client.get(WRITE_COUNTER) == str(WRITE_LIMIT + 1).encode()


def test_clearing_the_counter_in_redis_lifts_the_limit(
    two_instances: tuple[ApiClient, ApiClient], redis_client: redis.Redis
) -> None:
    first, second = two_instances
    for number in range(WRITE_LIMIT):
        add_student(first, number)
    assert add_student(second, WRITE_LIMIT) == 429

    # Both apps run in this process, so only this shows the count is not kept in memory.
    redis_client.delete(*redis_keys(redis_client, LIMITER_PREFIX))

    assert add_student(second, WRITE_LIMIT) == 201
