"""Fixtures for the container suite: one PostgreSQL and one Redis per run, on a shared network.

Without a Docker engine the suite is skipped locally and fails in CI (``CI=true``) or with
``--require-docker``. Image names come from the environment or, failing that, from the
``.images.env`` that scripts/provision-images writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from testcontainers.core.network import Network

from deploycheck.testing.engine import (
    configure_testcontainers,
    docker_required,
    load_images_env,
    require_engine,
)
from deploycheck.testing.services import PostgresService, RedisService, running


@pytest.fixture(scope="session", autouse=True)
def docker_engine(pytestconfig: pytest.Config) -> None:
    """A reachable Docker engine, set up for testcontainers, or a skip (a failure in CI)."""
    require_engine(docker_required(pytestconfig.getoption("--require-docker")))
    load_images_env()
    configure_testcontainers()


@pytest.fixture(scope="session")
def network(docker_engine: None) -> Iterator[Network]:
    """A Docker network shared by the services and, later, the app container."""
    with Network() as shared:
        yield shared


@pytest.fixture(scope="session")
def services(network: Network) -> Iterator[tuple[PostgresService, RedisService]]:
    """PostgreSQL and Redis, started in parallel, reachable on the network as postgres/redis."""
    postgres = PostgresService().with_network(network, "postgres")
    redis = RedisService().with_network(network, "redis")
    with running(postgres, redis):
        yield postgres, redis


@pytest.fixture(scope="session")
def postgres(services: tuple[PostgresService, RedisService]) -> PostgresService:
    """The session's PostgreSQL; tests that write to it should use clean_postgres."""
    return services[0]


@pytest.fixture(scope="session")
def redis(services: tuple[PostgresService, RedisService]) -> RedisService:
    """The session's Redis; tests that write to it should use clean_redis."""
    return services[1]


@pytest.fixture
def clean_postgres(postgres: PostgresService) -> PostgresService:
    """The session's PostgreSQL with an empty public schema."""
    postgres.reset()
    return postgres


@pytest.fixture
def clean_redis(redis: RedisService) -> RedisService:
    """The session's Redis with every database empty."""
    redis.reset()
    return redis
