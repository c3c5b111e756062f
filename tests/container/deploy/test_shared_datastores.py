"""The shared datastores keep scenarios apart: each lease is a fresh database on each server,
and a scenario that leaves a server in a bad state (a connection left open, the server
stopped, Redis holding writes, a changed role setting) is caught before the next one runs,
which then gets new servers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from testcontainers.core.network import Network

from deploycheck.rehearse.datastores import Datastores, IsolationError, SharedDatastores
from deploycheck.rehearse.target import DeployTarget

pytestmark = [pytest.mark.container, pytest.mark.slow]


@pytest.fixture
def shared(docker_engine: None, rehearsal_target: DeployTarget) -> Iterator[SharedDatastores]:
    with SharedDatastores(rehearsal_target) as datastores:
        yield datastores


@pytest.fixture
def network(docker_engine: None) -> Iterator[Network]:
    with Network() as created:
        yield created


def scenario(
    shared: SharedDatastores,
    network: Network,
    name: str,
    act: Callable[[Datastores], object] = lambda datastores: None,
) -> Datastores:
    """Run ``act`` as scenario ``name`` on a lease; the lease."""
    with shared.lease(network, name) as datastores:
        act(datastores)
    return datastores


def public_tables(datastores: Datastores) -> list[tuple]:
    with psycopg.connect(datastores.postgres.dsn, connect_timeout=5) as connection:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        return connection.execute(query).fetchall()


def leave_data(datastores: Datastores) -> None:
    with psycopg.connect(datastores.postgres.dsn) as connection:
        connection.execute("CREATE TABLE left_behind (id int)")
    with datastores.redis.client() as client:
        client.set("left-behind", "1")


def test_each_lease_is_a_fresh_database_on_the_same_servers(
    shared: SharedDatastores, network: Network
) -> None:
    first = scenario(shared, network, "first", leave_data)
    servers = shared.servers
    seen: dict[str, object] = {}

    def look(datastores: Datastores) -> None:
        seen["tables"] = public_tables(datastores)
        with datastores.redis.client() as client:
            seen["keys"] = client.keys("*")

    second = scenario(shared, network, "second", look)

    assert seen == {"tables": [], "keys": []}
    assert shared.servers is servers
    assert second.postgres.dbname != first.postgres.dbname
    assert second.redis.db != first.redis.db


def test_a_connection_left_open_is_caught_and_the_next_scenario_gets_new_servers(
    shared: SharedDatastores, network: Network
) -> None:
    held: list[psycopg.Connection] = []

    def leak(datastores: Datastores) -> None:
        # An instance that outlived its scenario: a transaction holding a lock.
        connection = psycopg.connect(datastores.postgres.dsn, application_name="leaked")
        connection.execute("CREATE TABLE locked (id int)")
        held.append(connection)

    servers = shared.servers
    with pytest.raises(IsolationError, match=r"left by leaky .*PostgreSQL: connections left open"):
        scenario(shared, network, "leaky", leak)
    held[0].close()
    tables: list[list[tuple]] = []
    scenario(shared, network, "next", lambda datastores: tables.append(public_tables(datastores)))

    assert tables == [[]]
    assert shared.servers is not servers


def test_a_stopped_postgres_is_caught_before_the_next_scenario(
    shared: SharedDatastores, network: Network
) -> None:
    scenario(shared, network, "first")
    # Between two scenarios, as a fault of the first that outlived it would.
    shared.servers.postgres.container.get_wrapped_container().stop()

    with pytest.raises(IsolationError, match=r"before second, left by first .*PostgreSQL: does"):
        scenario(shared, network, "second", pytest.fail)
    tables: list[list[tuple]] = []
    scenario(shared, network, "third", lambda datastores: tables.append(public_tables(datastores)))
    assert tables == [[]]


def test_redis_left_holding_writes_is_caught(shared: SharedDatastores, network: Network) -> None:
    def pause(datastores: Datastores) -> None:
        with datastores.redis.client() as client:
            client.execute_command("CLIENT", "PAUSE", 60_000, "WRITE")

    with pytest.raises(IsolationError, match=r"left by pauses .*Redis: does not take writes"):
        scenario(shared, network, "pauses", pause)


def test_a_changed_role_setting_is_caught(shared: SharedDatastores, network: Network) -> None:
    def alter(datastores: Datastores) -> None:
        with psycopg.connect(datastores.postgres.dsn, autocommit=True) as connection:
            connection.execute("ALTER ROLE CURRENT_USER SET statement_timeout = '1ms'")

    with pytest.raises(IsolationError, match=r"left by alters .*role and database settings"):
        scenario(shared, network, "alters", alter)
