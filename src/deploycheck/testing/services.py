"""PostgreSQL and Redis for the container suite, in testcontainers style.

Each service is one class: typed constructor arguments (images default from ``POSTGRES_IMAGE``
and ``REDIS_IMAGE``), chainable ``with_*`` setters, and a context-manager lifetime that removes
the container even when starting it failed. Readiness is a :class:`ProbeWait` (a testcontainers
wait strategy) over the port published on 127.0.0.1, the address the tests use; PostgreSQL's
in-container ``psql`` check is testcontainers' own.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from typing import Any, ClassVar, Self
from urllib.parse import quote

import docker.errors
import psycopg
import redis
from testcontainers.community.postgres import PostgresContainer
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from deploycheck.testing.engine import IMAGES_HINT, ensure_image
from deploycheck.testing.lifetime import Lifetime, created
from deploycheck.testing.waiting import ProbeWait, publish_on_loopback

DEFAULT_POSTGRES_IMAGE = "postgres:15-alpine"
DEFAULT_REDIS_IMAGE = "redis:7-alpine"
# The seed's Redis: Render's Key Value plan has 512 MB, evicts LRU and persists.
REDIS_COMMAND = "redis-server --maxmemory 512mb --maxmemory-policy allkeys-lru --appendonly yes"
HOST = "127.0.0.1"


class Service(Lifetime):
    """What the services share: image, published port, network alias and lifetime."""

    port: ClassVar[int]
    hint: ClassVar[str]

    def __init__(self, container: DockerContainer, ready_timeout: float) -> None:
        self.container = container
        publish_on_loopback(self.container, self.port, HOST)
        self.ready_timeout = ready_timeout
        self.alias: str | None = None

    @property
    def image(self) -> str:
        return self.container.image

    def with_network(self, network: Network, alias: str) -> Self:
        """Join ``network`` where other containers reach this service as ``alias``."""
        self.container.with_network(network).with_network_aliases(alias)
        self.alias = alias
        return self

    def wait_strategy(self) -> ProbeWait:
        raise NotImplementedError

    def _start(self) -> None:
        ensure_image(self.image)
        self.container.waiting_for(self.wait_strategy())
        self.container.start()

    def stop(self) -> None:
        """Remove the container (and its anonymous volumes); safe to call twice."""
        if not created(self.container):
            return
        with suppress(docker.errors.NotFound):
            self.container.stop()

    @property
    def host_port(self) -> int:
        """The port published on 127.0.0.1; Docker may pick another one after a restart."""
        wrapped = self.container.get_wrapped_container()
        wrapped.reload()
        bindings = wrapped.ports.get(f"{self.port}/tcp")
        if not bindings:
            raise ConnectionError(f"port {self.port} is not published ({wrapped.status})")
        return int(bindings[0]["HostPort"])


class PostgresService(Service):
    """PostgreSQL 15 from ``POSTGRES_IMAGE``, with its own user, database and random password."""

    port = 5432
    hint = (
        "POSTGRES_IMAGE must be a PostgreSQL 15 image honouring POSTGRES_USER, "
        f"POSTGRES_PASSWORD and POSTGRES_DB like the official one; {IMAGES_HINT}"
    )

    def __init__(
        self,
        image: str | None = None,
        username: str = "deploycheck",
        password: str | None = None,
        dbname: str = "deploycheck",
        ready_timeout: float = 60.0,
    ) -> None:
        self.username = username
        self.password = password or secrets.token_urlsafe(24)
        self.dbname = dbname
        super().__init__(
            PostgresContainer(
                image or os.environ.get("POSTGRES_IMAGE", DEFAULT_POSTGRES_IMAGE),
                username=username,
                password=self.password,
                dbname=dbname,
                driver="psycopg",
            ),
            ready_timeout,
        )

    def _url(self, host: str, port: int, driver: str | None) -> str:
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        credentials = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}"
        return f"{scheme}://{credentials}@{host}:{port}/{quote(self.dbname, safe='')}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3 driver) through the port published on 127.0.0.1."""
        return self._url(HOST, self.host_port, "psycopg")

    @property
    def dsn(self) -> str:
        """libpq URL for ``psycopg.connect`` through the port published on 127.0.0.1."""
        return self._url(HOST, self.host_port, None)

    def network_url(self, driver: str | None = "psycopg") -> str:
        """URL for containers on the shared network, which reach this one by its alias."""
        if self.alias is None:
            raise ValueError("PostgresService joined no network: call with_network() first")
        return self._url(self.alias, self.port, driver)

    def wait_strategy(self) -> ProbeWait:
        return ProbeWait(
            self._answers,
            (psycopg.OperationalError, docker.errors.APIError),
            self.hint,
            self.ready_timeout,
        )

    def _answers(self) -> None:
        # A query through the published port, as the tests connect; PostgresContainer then
        # runs its own psql check inside the container, so the images stay usable with it.
        with psycopg.connect(self.dsn, connect_timeout=3) as connection:
            connection.execute("SELECT 1")

    def reset(self) -> None:
        """Drop everything in the public schema and recreate it as PostgreSQL 15 makes it."""
        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            connection.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """Stop the server (the container and its data stay) and start it again, ready, on
        leaving, even when the block failed."""
        wrapped = self.container.get_wrapped_container()
        wrapped.stop()
        try:
            yield
        finally:
            wrapped.start()
            self.wait_strategy().wait_until_ready(self.container)


class RedisService(Service):
    """Redis 7 from ``REDIS_IMAGE``, run with the seed's memory and persistence flags."""

    port = 6379
    hint = (
        "REDIS_IMAGE must be a Redis 7 image whose entrypoint runs redis-server with the "
        f"given flags; {IMAGES_HINT}"
    )

    def __init__(
        self,
        image: str | None = None,
        command: str = REDIS_COMMAND,
        ready_timeout: float = 30.0,
    ) -> None:
        container = DockerContainer(image or os.environ.get("REDIS_IMAGE", DEFAULT_REDIS_IMAGE))
        super().__init__(container.with_command(command), ready_timeout)
        # The logical database the URLs name (a shared server gives each user its own).
        self.db = 0

    @property
    def url(self) -> str:
        """``redis://`` URL of database ``db`` through the port published on 127.0.0.1."""
        return f"redis://{HOST}:{self.host_port}/{self.db}"

    def network_url(self) -> str:
        """URL for containers on the shared network, which reach this one by its alias."""
        if self.alias is None:
            raise ValueError("RedisService joined no network: call with_network() first")
        return f"redis://{self.alias}:{self.port}/{self.db}"

    def client(self, **kwargs: Any) -> redis.Redis:
        """A client of database ``db``; the caller closes it."""
        return redis.Redis.from_url(self.url, socket_timeout=5, **kwargs)

    def wait_strategy(self) -> ProbeWait:
        return ProbeWait(
            self._ping, (redis.ConnectionError, redis.TimeoutError), self.hint, self.ready_timeout
        )

    def _ping(self) -> None:
        with self.client(socket_connect_timeout=2) as client:
            client.ping()

    def reset(self) -> None:
        """Empty every database."""
        with self.client() as client:
            client.flushall()


@contextmanager
def running(*services: Service) -> Iterator[None]:
    """Start ``services`` in parallel (none: a Blueprint without datastores); on leaving (or
    when one failed to start) stop every one that started."""
    with ExitStack() as stack:
        with ThreadPoolExecutor(max_workers=max(len(services), 1)) as pool:
            futures = [pool.submit(service.start) for service in services]
        for service, future in zip(services, futures, strict=True):
            if future.exception() is None:
                stack.callback(service.stop)
        for future in futures:
            future.result()
        yield
