"""PostgreSQL and Redis as the seed configures them, checked against the real servers."""

from __future__ import annotations

import docker
import psycopg
import pytest
from docker.errors import NotFound
from testcontainers.core.network import Network

from deploycheck.errors import ContainerNotReadyError
from deploycheck.testing.builds import TEST_LABELS
from deploycheck.testing.services import HOST, PostgresService, RedisService

pytestmark = pytest.mark.container

# .ci/run removes containers with this label should a run be killed before removing them.


@pytest.mark.parametrize(
    ("parameter", "expected"),
    [("maxmemory", "536870912"), ("maxmemory-policy", "allkeys-lru"), ("appendonly", "yes")],
)
def test_redis_runs_with_the_seed_settings(
    redis: RedisService, parameter: str, expected: str
) -> None:
    with redis.client(decode_responses=True) as client:
        assert client.config_get(parameter) == {parameter: expected}


def test_postgres_is_version_15(postgres: PostgresService) -> None:
    with psycopg.connect(postgres.dsn) as connection:
        (version,) = connection.execute("SELECT version()").fetchone()
    assert version.startswith("PostgreSQL 15."), version


def test_postgres_honours_the_user_and_database_it_was_given(postgres: PostgresService) -> None:
    with psycopg.connect(postgres.dsn) as connection:
        found = connection.execute("SELECT current_user, current_database()").fetchone()
    assert found == (postgres.username, postgres.dbname)


def test_postgres_refuses_a_wrong_password(postgres: PostgresService) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=HOST,
            port=postgres.host_port,
            user=postgres.username,
            password=f"not-{postgres.password}",
            dbname=postgres.dbname,
            connect_timeout=5,
        )


def test_postgres_asks_remote_clients_for_a_scram_password(postgres: PostgresService) -> None:
    with psycopg.connect(postgres.dsn) as connection:
        methods = connection.execute(
            "SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'"
        ).fetchall()
        (stored,) = connection.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = current_user"
        ).fetchone()
    assert methods == [("scram-sha-256",)]
    assert stored.startswith("SCRAM-SHA-256$")


def test_clean_postgres_drops_every_table(
    postgres: PostgresService, request: pytest.FixtureRequest
) -> None:
    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE leftover (id integer)")
        connection.execute("INSERT INTO leftover VALUES (1)")

    request.getfixturevalue("clean_postgres")

    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        connection.execute("CREATE TABLE usable_again (id integer)")
    assert tables == []


def test_clean_redis_empties_the_store(redis: RedisService, request: pytest.FixtureRequest) -> None:
    with redis.client() as client:
        client.set("leftover", "1")

    request.getfixturevalue("clean_redis")

    with redis.client() as client:
        assert client.dbsize() == 0


def test_postgres_keeps_its_data_across_a_stop_and_start(
    clean_postgres: PostgresService,
) -> None:
    with psycopg.connect(clean_postgres.dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE survivor (id integer)")
    port_before = clean_postgres.host_port

    with clean_postgres.stopped(), pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            host=HOST,
            port=port_before,
            user=clean_postgres.username,
            password=clean_postgres.password,
            dbname=clean_postgres.dbname,
            connect_timeout=5,
        )

    with psycopg.connect(clean_postgres.dsn) as connection:
        assert connection.execute("SELECT to_regclass('survivor')").fetchone() == ("survivor",)


def test_containers_on_the_network_reach_the_services_by_alias(
    postgres: PostgresService, redis: RedisService, network: Network
) -> None:
    client = docker.from_env()
    try:
        pong = client.containers.run(
            redis.image,
            ["redis-cli", "-u", redis.network_url(), "ping"],
            network=network.name,
            remove=True,
            labels=TEST_LABELS,
        )
        one = client.containers.run(
            postgres.image,
            ["psql", postgres.network_url(driver=None), "-tAc", "SELECT 1"],
            network=network.name,
            remove=True,
            labels=TEST_LABELS,
        )
    finally:
        client.close()
    assert (pong.strip(), one.strip()) == (b"PONG", b"1")


def test_a_service_that_exits_fails_fast_with_its_logs_and_a_hint() -> None:
    service = RedisService(command="redis-server --no-such-directive yes", ready_timeout=20)

    with pytest.raises(ContainerNotReadyError) as raised:
        service.start()

    message = str(raised.value)
    assert "exited" in message
    assert "no-such-directive" in message, "the last log lines should say what went wrong"
    assert message.splitlines()[-1].startswith("Hint: ")
    client = docker.from_env()
    try:
        with pytest.raises(NotFound):
            client.containers.get(service.container.get_wrapped_container().id)
    finally:
        client.close()
