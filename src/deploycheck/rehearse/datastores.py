"""The datastores a rehearsal stack wires its instances to: PostgreSQL and Key Value (Redis).

A scenario that stops, pauses or cuts a datastore gets servers of its own
(:func:`own_datastores`). The others share one server of each (:class:`SharedDatastores`),
which is much cheaper than two containers started per scenario: each lease is a fresh
database (``CREATE DATABASE ... TEMPLATE`` of the server's untouched one, which nobody may
connect to) and a fresh logical Redis database, joined to the scenario's network under the
same aliases as servers of its own, so the instances see no difference.

Isolation is checked, not assumed: when a lease ends (its instances stopped) and before the
next one starts, each server must answer, take writes, hold no connection, lock or prepared
transaction, and keep its roles, databases and settings. A server found otherwise is
replaced, and the lease raises :class:`IsolationError` naming the scenario that left it so.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

import docker.errors
import psycopg
import redis
from testcontainers.core.network import Network

from deploycheck.rehearse.images import postgres_image
from deploycheck.rehearse.target import DeployTarget
from deploycheck.testing.services import PostgresService, RedisService, Service, running

POSTGRES_ALIAS = "postgres"
REDIS_ALIAS = "redis"
# How long a stopped instance's connections may take to close before they count as leaked.
CLOSE_SECONDS = 10.0
# A check that waits longer than this for an answer finds the server hung (paused, say).
ANSWER_SECONDS = 5
# What the PostgreSQL check records of the server, to compare before and after a lease.
POSTGRES_STATE = {
    "roles": "SELECT rolname FROM pg_roles ORDER BY 1",
    "databases": "SELECT datname FROM pg_database ORDER BY 1",
    "role and database settings": "SELECT setdatabase, setrole, setconfig::text "
    "FROM pg_db_role_setting ORDER BY 1, 2",
    "server settings": "SELECT name, setting FROM pg_settings "
    "WHERE source NOT IN ('default', 'client', 'session') ORDER BY 1",
}
REDIS_CONFIG = ("maxmemory", "maxmemory-policy", "appendonly", "databases")


class IsolationError(RuntimeError):
    """A shared datastore was left in a state the next scenario must not start from."""


@dataclass(frozen=True)
class Datastores:
    """What a stack's instances are wired to; None for what the Blueprint does not declare."""

    postgres: PostgresService | None
    redis: RedisService | None


def redis_command(policy: str) -> str:
    """Key Value's server: the Blueprint's eviction policy, persistence on."""
    return f"redis-server --maxmemory 512mb --maxmemory-policy {policy} --appendonly yes"


def _new_servers(target: DeployTarget) -> Datastores:
    postgres = None
    if target.postgres_versions:
        postgres = PostgresService(postgres_image(target.postgres_versions[0]))
    redis_service = None
    if target.key_value_policies:
        redis_service = RedisService(command=redis_command(target.key_value_policies[0]))
    return Datastores(postgres, redis_service)


def _services(datastores: Datastores) -> list[Service]:
    return [service for service in (datastores.postgres, datastores.redis) if service is not None]


@contextmanager
def own_datastores(target: DeployTarget, network: Network) -> Iterator[Datastores]:
    """Servers of the stack's own on ``network``, removed on leaving: for a scenario that
    stops, pauses or cuts them."""
    datastores = _new_servers(target)
    if datastores.postgres is not None:
        datastores.postgres.with_network(network, POSTGRES_ALIAS)
    if datastores.redis is not None:
        datastores.redis.with_network(network, REDIS_ALIAS)
    with running(*_services(datastores)):
        yield datastores


def _view(service: Service, alias: str, **attributes: object) -> Service:
    """``service`` as one scenario sees it: the same container, its own database."""
    view = copy.copy(service)
    view.alias = alias
    for name, value in attributes.items():
        setattr(view, name, value)
    return view


class SharedDatastores:
    """One PostgreSQL and one Redis for many scenarios, one scenario at a time; started at
    the first lease, removed by :meth:`close`."""

    def __init__(self, target: DeployTarget) -> None:
        self.target = target
        self.servers: Datastores | None = None
        self._running = ExitStack()
        self._baseline: dict[str, list[tuple]] = {}
        self._redis_config: dict[str, str] = {}
        self._numbers = itertools.count(1)
        self._last = "no scenario yet"

    def __enter__(self) -> SharedDatastores:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._running.close()
        self.servers = None

    @contextmanager
    def lease(self, network: Network, scenario: str) -> Iterator[Datastores]:
        """A fresh database on each server, reachable on ``network`` as ``postgres`` and
        ``redis``; checked on leaving (after the scenario's instances stopped)."""
        self._check(f"before {scenario}, left by {self._last}")
        self._last = scenario
        servers = self._start()
        number = next(self._numbers)
        with ExitStack() as stack:
            postgres = redis_view = None
            if servers.postgres is not None:
                postgres = _view(servers.postgres, POSTGRES_ALIAS, dbname=f"scenario_{number}")
                _create_database(servers.postgres, postgres.dbname)
            if servers.redis is not None:
                db = number % int(self._redis_config["databases"])
                redis_view = _view(servers.redis, REDIS_ALIAS, db=db)
            leased = Datastores(postgres, redis_view)
            for view in _services(leased):
                _join(stack, view, network)
            yield leased
            # Still on the scenario's network: leaving it would cut what a leftover holds.
            self._check(f"left by {scenario}")

    def _start(self) -> Datastores:
        if self.servers is None:
            servers = _new_servers(self.target)
            with ExitStack() as stack:
                stack.enter_context(running(*_services(servers)))
                if servers.postgres is not None:
                    _make_template(servers.postgres)
                    self._baseline = _postgres_state(servers.postgres)
                if servers.redis is not None:
                    self._redis_config = _redis_config(servers.redis)
                self._running = stack.pop_all()
            self.servers = servers
        return self.servers

    def _check(self, when: str) -> None:
        """Raise IsolationError (the servers replaced at the next lease) unless each server
        is as it started, with no database of a scenario left; empty Redis for the next."""
        if self.servers is None:
            return
        problems = []
        if self.servers.postgres is not None:
            problems += [f"PostgreSQL: {p}" for p in self._postgres_problems(self.servers.postgres)]
        if self.servers.redis is not None:
            problems += [f"Redis: {p}" for p in self._redis_problems(self.servers.redis)]
        if problems:
            self.close()
            raise IsolationError(
                f"the shared datastores were in a bad state {when} (replaced for the next "
                "scenario; one that stops, pauses or cuts a datastore needs its own): "
                + "; ".join(problems)
            )

    def _postgres_problems(self, server: PostgresService) -> list[str]:
        admin = _view(server, POSTGRES_ALIAS, dbname="postgres")
        try:
            leftover = _until_empty(lambda: _connections(admin))
            if leftover:
                return [f"connections left open: {leftover}"]
            with _admin(admin) as connection:
                prepared = connection.execute("SELECT gid, database FROM pg_prepared_xacts")
                if prepared := prepared.fetchall():
                    return [f"prepared transactions left: {prepared}"]
                for name in connection.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'scenario\\_%'"
                ).fetchall():
                    connection.execute(f'DROP DATABASE "{name[0]}"')
        except (psycopg.Error, docker.errors.APIError, ConnectionError) as exc:
            return [f"does not answer within {ANSWER_SECONDS} s ({' '.join(str(exc).split())})"]
        state = _postgres_state(server)
        return [
            f"{what} changed: {self._baseline[what]} -> {state[what]}"
            for what in POSTGRES_STATE
            if state[what] != self._baseline[what]
        ]

    def _redis_problems(self, server: RedisService) -> list[str]:
        try:
            with server.client() as client:
                me = client.client_id()
                leftover = _until_empty(
                    lambda: [c["addr"] for c in client.client_list() if int(c["id"]) != me]
                )
                if leftover:
                    return [f"connections left open: {leftover}"]
                # A paused server (CLIENT PAUSE) answers PING but holds writes.
                client.set("deploycheck:isolation-probe", "1")
                client.flushall()
            config = _redis_config(server)
        except (redis.RedisError, docker.errors.APIError, ConnectionError) as exc:
            return [f"does not take writes within {ANSWER_SECONDS} s ({exc})"]
        return [
            f"{key} changed: {self._redis_config[key]} -> {config[key]}"
            for key in REDIS_CONFIG
            if config[key] != self._redis_config[key]
        ]


def _join(stack: ExitStack, service: Service, network: Network) -> None:
    """Connect ``service``'s container to ``network`` under its alias until ``stack`` ends."""
    container = service.container.get_wrapped_container()
    network.connect(container.id, [service.alias])
    joined = container.client.networks.get(network.id)

    def leave() -> None:
        with suppress(docker.errors.NotFound):  # the server was replaced
            joined.disconnect(container.id, force=True)

    stack.callback(leave)


@contextmanager
def _admin(server: PostgresService) -> Iterator[psycopg.Connection]:
    with psycopg.connect(
        server.dsn,
        autocommit=True,
        connect_timeout=ANSWER_SECONDS,
        options=f"-c statement_timeout={ANSWER_SECONDS * 1000}",
    ) as connection:
        yield connection


def _make_template(server: PostgresService) -> None:
    """Make the server's own database the scenarios' template, closed to connections so no
    scenario can write into it by mistake."""
    with _admin(_view(server, POSTGRES_ALIAS, dbname="postgres")) as connection:
        connection.execute(
            f'ALTER DATABASE "{server.dbname}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'
        )


def _create_database(server: PostgresService, name: str) -> None:
    with _admin(_view(server, POSTGRES_ALIAS, dbname="postgres")) as connection:
        connection.execute(
            f'CREATE DATABASE "{name}" TEMPLATE "{server.dbname}" OWNER "{server.username}"'
        )


def _connections(admin: PostgresService) -> list[tuple]:
    with _admin(admin) as connection:
        return connection.execute(
            "SELECT datname, application_name, client_addr::text, state, left(query, 60) "
            "FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()"
        ).fetchall()


def _postgres_state(server: PostgresService) -> dict[str, list[tuple]]:
    with _admin(_view(server, POSTGRES_ALIAS, dbname="postgres")) as connection:
        return {
            what: connection.execute(query).fetchall() for what, query in POSTGRES_STATE.items()
        }


def _redis_config(server: RedisService) -> dict[str, str]:
    with server.client() as client:
        return {key: client.config_get(key)[key] for key in REDIS_CONFIG}


def _until_empty(look: Callable[[], list]) -> list:
    """What ``look`` finds after up to CLOSE_SECONDS for it to find nothing."""
    deadline = time.monotonic() + CLOSE_SECONDS
    while (found := look()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found
