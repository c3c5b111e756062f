"""Faults a scenario injects into a stack's datastores: PostgreSQL stopped and started again,
or cut off the network (packets dropped, the address still valid), and Key Value stopped.

Each is a context manager that marks the timeline and undoes the fault on leaving, even when
the block failed.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import docker
from docker.models.networks import Network

from deploycheck.rehearse.instances import Instance
from deploycheck.rehearse.stack import Stack
from deploycheck.rehearse.target import Wiring
from deploycheck.testing.builds import TEST_LABELS


@contextmanager
def postgres_stopped(stack: Stack) -> Iterator[None]:
    """PostgreSQL stopped (its data kept), started again and ready on leaving."""
    stack.timeline.mark("postgres stopped")
    with stack.postgres.stopped():
        yield
        stack.timeline.mark("postgres starting")
    stack.timeline.mark("postgres ready")


@contextmanager
def redis_stopped(stack: Stack) -> Iterator[None]:
    """Key Value stopped, started again and ready on leaving."""
    wrapped = stack.redis.container.get_wrapped_container()
    wrapped.stop()
    stack.timeline.mark("redis stopped")
    try:
        yield
    finally:
        wrapped.start()
        stack.redis.wait_strategy().wait_until_ready(stack.redis.container)
        stack.timeline.mark("redis ready")


@contextmanager
def database_link(stack: Stack) -> Iterator[tuple[Network, str]]:
    """A network of its own (fixed subnet) on which PostgreSQL has a fixed address: the app
    reaches it by IP, so taking it off the link drops packets while the address stays valid
    (on Render the database's name keeps resolving during such an outage), and it comes
    back at the same address."""
    client = docker.from_env()
    network = None
    for _ in range(20):  # a free /24 among the engine's other networks
        subnet = f"10.{random.randint(64, 250)}.{random.randint(0, 255)}.0/24"
        pool = docker.types.IPAMPool(subnet=subnet)
        try:
            network = client.networks.create(
                f"deploycheck-dblink-{secrets.token_hex(4)}",
                ipam=docker.types.IPAMConfig(pool_configs=[pool]),
                labels=TEST_LABELS,
            )
            break
        except docker.errors.APIError:
            continue
    if network is None:
        client.close()
        raise RuntimeError("no free /24 subnet for the database link among 20 tried")
    address = subnet.rsplit(".", 1)[0] + ".10"
    network.connect(stack.postgres.container.get_wrapped_container().id, ipv4_address=address)
    try:
        yield network, address
    finally:
        network.reload()
        for container in network.containers:
            network.disconnect(container, force=True)
        network.remove()
        client.close()


def database_url_on_link(stack: Stack, address: str) -> str:
    """The stack's database URL with the host replaced by PostgreSQL's address on the link."""
    return stack.postgres.network_url(driver=None).replace(
        f"@{stack.postgres.alias}:", f"@{address}:"
    )


def database_env(stack: Stack, url: str) -> dict[str, str]:
    """The Blueprint's ``fromDatabase`` variables as Render would wire them to ``url``."""
    env = stack.target.environment(Wiring(url, "", {}))
    return {key: env[key] for key, source, _ in stack.target.env_rules if source == "fromDatabase"}


def first_deploy_on_link(
    stack: Stack, image: str, link: Network, address: str, env: Mapping[str, str] | None = None
) -> Instance:
    """The first deploy, its instance reaching PostgreSQL only over ``link`` (see
    :func:`database_link`), so :func:`postgres_unreachable` can cut it off."""
    setup_output = stack.setup(image)
    url = database_url_on_link(stack, address)
    instance = stack.fleet.start("v1", image, {**database_env(stack, url), **(env or {})})
    link.connect(instance.container.get_wrapped_container().id)
    stack.route(instance)
    stack.workload.prepare(stack.balancer.url, setup_output)
    return instance


@contextmanager
def postgres_unreachable(stack: Stack, link: Network, address: str) -> Iterator[None]:
    """Take PostgreSQL off the link: its packets are dropped, nothing refuses them."""
    wrapped = stack.postgres.container.get_wrapped_container()
    link.disconnect(wrapped.id)
    stack.timeline.mark("postgres unreachable (packets dropped)")
    try:
        yield
    finally:
        link.connect(wrapped.id, ipv4_address=address)
        stack.timeline.mark("postgres reachable again")
