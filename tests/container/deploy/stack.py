"""One rehearsal stack: a network of its own with PostgreSQL, Key Value (Redis), the load
balancer and the app instances, as Render wires a Blueprint's resources together.

Each scenario gets a fresh stack, so a fault injected in one (a stopped or paused database)
can never leak into the next. Everything is removed on leaving, even when a step failed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import psycopg
from testcontainers.core.network import Network

from deploycheck.testing.services import PostgresService, RedisService, running
from tests.container.deploy.balancer import Balancer
from tests.container.deploy.instances import PORT, Fleet, Instance
from tests.container.deploy.load import Load, Seed, Timeline, seed
from tests.container.deploy.report import ScenarioResult
from tests.container.deploy.target import DeployTarget, Wiring

# The rehearsal's load comes from one address, where Render's comes from many clients: the
# Blueprint's per-client limits would turn most of it into 429s. scale-out sets its own.
LOAD_LIMITS = {"RATELIMIT_DEFAULT": "100000 per minute", "RATELIMIT_WRITE": "100000 per minute"}


@dataclass
class Stack:
    target: DeployTarget
    network: Network
    postgres: PostgresService
    redis: RedisService
    balancer: Balancer
    fleet: Fleet
    timeline: Timeline = field(default_factory=Timeline)
    token: str = ""
    seeded: Seed | None = None

    def start_instance(
        self,
        name: str,
        image: str,
        env: Mapping[str, str] | None = None,
        command: str | None = None,
    ) -> Instance:
        return self.fleet.start(name, image, env, command)

    def route(self, instance: Instance, *, health_checked: bool = True, wait: bool = True) -> float:
        """Put ``instance`` behind the balancer; with ``wait``, block until it takes traffic."""
        address = instance.address(self.network.name)
        self.balancer.add_server(instance.name, address, PORT, health_checked=health_checked)
        return self.balancer.wait_until(instance.name, up=True) if wait else 0.0

    def deploy_first(self, image: str, env: Mapping[str, str] | None = None) -> Instance:
        """The first deploy: pre-deploy command, one healthy instance, a token, seed data."""
        self.token = self.fleet.first_deploy(image, "rehearsal")
        instance = self.start_instance("v1", image, env)
        self.route(instance)
        self.seeded = seed(self.balancer.url, self.token)
        return instance

    def load(self, base_url: str | None = None, **kwargs: object) -> Load:
        """Load through the balancer, or straight at one instance's ``base_url``."""
        assert self.seeded is not None, "deploy_first() seeds the data the load reads"
        url = base_url or self.balancer.url
        return Load(url, self.token, self.seeded, self.timeline, **kwargs)  # type: ignore[arg-type]

    def sql(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.postgres.dsn, connect_timeout=5) as connection:
            return connection.execute(query, params).fetchall()

    def lost_writes(self, ids: list[int]) -> list[int]:
        """Acknowledged student ids that are not in the database."""
        found = {row[0] for row in self.sql("SELECT id FROM students WHERE id = ANY(%s)", ids)}
        return sorted(set(ids) - found)


@contextmanager
def rehearsal_stack(
    target: DeployTarget, extra_env: Mapping[str, str] | None = None
) -> Iterator[Stack]:
    """A started stack with no app instance yet; removed on leaving."""
    with ExitStack() as stack:
        network = stack.enter_context(Network())
        postgres = PostgresService().with_network(network, "postgres")
        redis = RedisService().with_network(network, "redis")
        stack.enter_context(running(postgres, redis))
        balancer = stack.enter_context(Balancer(network, target.health_path))
        wiring = Wiring(postgres.network_url(driver=None), redis.network_url())
        env = {**target.environment(wiring, secrets.token_urlsafe(48)), **LOAD_LIMITS}
        fleet = Fleet(target, network, {**env, **(extra_env or {})})
        stack.callback(fleet.stop_all)
        yield Stack(target, network, postgres, redis, balancer, fleet)


def record(result: ScenarioResult, stack: Stack, load: Load) -> list[int]:
    """Copy what the load saw into the scenario's report record, keep every instance's log
    beside the report (a red scenario's evidence); the lost acknowledged writes."""
    result.log_dir.mkdir(parents=True, exist_ok=True)
    for instance in stack.fleet.instances:
        (result.log_dir / f"{instance.name}.log").write_text(instance.logs())
    result.records = list(load.records)
    result.events = list(stack.timeline.events)
    lost = stack.lost_writes(load.acknowledged)
    result.writes_lost = len(lost)
    return lost
