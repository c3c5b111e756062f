"""The deploycheck pytest plugin, loaded through the ``pytest11`` entry point in pyproject.toml.

It gives any project's suites what this repository's container suite uses: the
``--require-docker`` option, the ``container`` marker, the checklist recorder
(:mod:`deploycheck.testing.checklist_plugin`) and session fixtures in layers:
``project_root`` -> ``report_dir``; ``docker_engine`` (a reachable engine, set up for
testcontainers, or a skip that is a failure in CI) -> ``docker_client``, ``network`` ->
``services`` (PostgreSQL and Redis started in parallel) -> ``postgres`` / ``redis`` ->
``clean_postgres`` / ``clean_redis``; and the deploy rehearsal's fixtures
(:mod:`deploycheck.rehearse.pytest_plugin`: ``rehearsal_stack``, ``rehearsal_report``...).

Nothing here starts a container unless a test asks for one of those fixtures, and the
service libraries (testcontainers, psycopg, redis) are imported only then, so the plugin
costs nothing in a suite that never uses them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from deploycheck.reporters import report_dir as default_report_dir

if TYPE_CHECKING:
    import docker
    from testcontainers.core.network import Network

    from deploycheck.testing.services import PostgresService, RedisService

pytest_plugins = ("deploycheck.testing.checklist_plugin", "deploycheck.rehearse.pytest_plugin")

PROJECT_ROOT_VAR = "DEPLOYCHECK_PROJECT_ROOT"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-docker",
        action="store_true",
        default=False,
        help="fail, not skip, the tests that need a Docker engine when none is reachable "
        "(implied by CI=true)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "container: needs a Docker engine and real containers")


@pytest.fixture(scope="session")
def project_root(pytestconfig: pytest.Config) -> Path:
    """The project under test: ``$DEPLOYCHECK_PROJECT_ROOT``, else pytest's rootdir."""
    return Path(os.environ.get(PROJECT_ROOT_VAR) or pytestconfig.rootpath)


@pytest.fixture(scope="session")
def report_dir(project_root: Path) -> Path:
    """Where reports go: ``$REPORT_DIR``, else ``reports/`` in the project."""
    return default_report_dir(project_root)


@pytest.fixture(scope="session")
def docker_engine(pytestconfig: pytest.Config, project_root: Path) -> None:
    """A reachable Docker engine, set up for testcontainers, with the image names from the
    project's ``.images.env``; else a skip (a failure in CI or with ``--require-docker``)."""
    from deploycheck.testing import engine

    engine.require_engine(engine.docker_required(pytestconfig.getoption("--require-docker")))
    engine.load_images_env(engine.images_env_file(project_root))
    engine.configure_testcontainers()


@pytest.fixture(scope="session")
def docker_client(docker_engine: None) -> Iterator[docker.DockerClient]:
    """A Docker SDK client for builds and inspection."""
    import docker

    client = docker.from_env(timeout=600)
    yield client
    client.close()


@pytest.fixture(scope="session")
def network(docker_engine: None) -> Iterator[Network]:
    """A Docker network shared by the services and the containers the tests start."""
    from testcontainers.core.network import Network

    with Network() as shared:
        yield shared


@pytest.fixture(scope="session")
def services(network: Network) -> Iterator[tuple[PostgresService, RedisService]]:
    """PostgreSQL and Redis, started in parallel, reachable on the network as postgres/redis."""
    from deploycheck.testing.services import PostgresService, RedisService, running

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
