"""One rehearsal stack: a network of its own with PostgreSQL, Key Value (Redis), the load
balancer and the app instances, as Render wires a Blueprint's resources together.

Each scenario gets a fresh stack, so a fault injected in one (a stopped or paused database)
can never leak into the next: servers of its own for a scenario that stops or cuts them, else
fresh databases on shared servers, checked between scenarios (:mod:`.datastores`). Everything
is removed on leaving, even when a step failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from testcontainers.core.network import Network

from deploycheck.rehearse.balancer import Balancer
from deploycheck.rehearse.datastores import SharedDatastores, own_datastores
from deploycheck.rehearse.instances import PORT, Fleet, Instance
from deploycheck.rehearse.load import Load, Timeline, Workload
from deploycheck.rehearse.report import ScenarioResult
from deploycheck.rehearse.target import DeployTarget, Wiring
from deploycheck.testing.services import PostgresService, RedisService


@dataclass
class Stack:
    target: DeployTarget
    network: Network
    # None when the Blueprint declares no database (no Key Value).
    postgres: PostgresService | None
    redis: RedisService | None
    balancer: Balancer
    fleet: Fleet
    workload: Workload
    timeline: Timeline = field(default_factory=Timeline)

    def route(self, instance: Instance, *, health_checked: bool = True, wait: bool = True) -> float:
        """Put ``instance`` behind the balancer; with ``wait``, block until it takes traffic."""
        address = instance.address(self.network.name)
        self.balancer.add_server(instance.name, address, PORT, health_checked=health_checked)
        return self.balancer.wait_until(instance.name, up=True) if wait else 0.0

    def setup(self, image: str) -> str:
        """The first deploy's one-off: preDeployCommand and the workload's setup command."""
        return self.fleet.first_deploy(image, self.workload.setup_command)

    def deploy_first(
        self, image: str, env: Mapping[str, str] | None = None, name: str = "v1"
    ) -> Instance:
        """The first deploy: one-off setup, one healthy instance, the workload prepared."""
        output = self.setup(image)
        instance = self.fleet.start(name, image, env)
        self.route(instance)
        self.workload.prepare(self.balancer.url, output)
        return instance

    def load(self, base_url: str | None = None, **kwargs: Any) -> Load:
        """Load through the balancer, or straight at one instance's ``base_url``."""
        return Load(base_url or self.balancer.url, self.workload, self.timeline, **kwargs)

    def sql(self, query: str, *params: object) -> list[tuple]:
        if self.postgres is None:
            raise ValueError("the Blueprint declares no database")
        with psycopg.connect(self.postgres.dsn, connect_timeout=5) as connection:
            return connection.execute(query, params).fetchall()

    def lost_writes(self, acknowledged: list[Any]) -> list[Any]:
        """Acknowledged writes the workload no longer finds."""
        return self.workload.missing(self, acknowledged)


@contextmanager
def rehearsal_stack(
    target: DeployTarget,
    workload: Workload,
    *,
    extra_env: Mapping[str, str] | None = None,
    dashboard: Mapping[str, str] | None = None,
    shared: SharedDatastores | None = None,
    scenario: str = "a scenario",
) -> Iterator[Stack]:
    """A started stack with no app instance yet, with the datastores the Blueprint declares
    (one PostgreSQL and one Key Value serve every database and Key Value of it): a fresh
    database on each of the ``shared`` servers, else servers of its own (for ``scenario``s
    that stop or cut them); removed on leaving. ``extra_env`` goes on top of the Blueprint's
    env (what the rehearsal changes, such as limits its one-address load would hit);
    ``dashboard`` holds the ``sync: false`` values."""
    with ExitStack() as stack:
        network = stack.enter_context(Network())
        if shared is None:
            datastores = stack.enter_context(own_datastores(target, network))
        else:
            datastores = stack.enter_context(shared.lease(network, scenario))
        postgres, redis = datastores.postgres, datastores.redis
        balancer = stack.enter_context(Balancer(network, target.health_path))
        wiring = Wiring(
            postgres.network_url(driver=None) if postgres else "",
            redis.network_url() if redis else "",
            dashboard or {},
        )
        env = {**target.environment(wiring), **(extra_env or {})}
        fleet = Fleet(target, network, env)
        stack.callback(fleet.stop_all)
        yield Stack(target, network, postgres, redis, balancer, fleet, workload)


def record(result: ScenarioResult, stack: Stack, load: Load) -> list[Any]:
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
