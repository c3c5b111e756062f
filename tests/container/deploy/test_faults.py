"""Scenarios database-restart, database-unreachable and redis-outage: the managed datastores
have trouble under load, and the app answers fast, says so on /health, and recovers alone.

The load goes straight at the instance here, not through the balancer: with the only instance
unhealthy the balancer answers its own 503 page, and the promise under test is the app's
(a fast 503 JSON, never a hang, never an HTML 500).
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import docker
import pytest
import requests
from docker.models.networks import Network

from deploycheck.testing.builds import TEST_LABELS
from tests.container.deploy import verdicts, versions
from tests.container.deploy.balancer import CHECK_TIMEOUT_S
from tests.container.deploy.instances import Instance
from tests.container.deploy.load import Record, seed
from tests.container.deploy.report import RehearsalReport, ScenarioResult
from tests.container.deploy.stack import Stack, record

pytestmark = [pytest.mark.container, pytest.mark.slow]

OUTAGE_SECONDS = 6.0
# After the datastore is back, the pool gets this long to recover before every request must
# succeed again ("within seconds").
RECOVERY_SECONDS = 5.0


def health(instance: Instance) -> tuple[int, dict]:
    """/health within the balancer's check timeout; (0, {...}) when it does not answer in
    time. The body also holds the seconds the answer took, for the report's notes."""
    started = time.monotonic()
    try:
        response = requests.get(instance.container.base_url + "/health", timeout=CHECK_TIMEOUT_S)
    except requests.RequestException:
        return 0, {"seconds": round(time.monotonic() - started, 2)}
    return response.status_code, {
        **response.json(),
        "seconds": round(time.monotonic() - started, 2),
    }


def probe_health(instance: Instance, pause: float = 0.5) -> list[tuple[int, dict]]:
    """:func:`health` of ``instance`` again and again for the outage's OUTAGE_SECONDS."""
    probes = []
    deadline = time.monotonic() + OUTAGE_SECONDS
    while time.monotonic() < deadline:
        probes.append(health(instance))
        time.sleep(pause)
    return probes


def outage_problems(records: list[Record], start: float, end: float) -> list[str]:
    """During [start, end]: every failure a 503 JSON, none without an answer (a hang)."""
    problems = []
    during = [r for r in records if start <= r.sent <= end]
    hung = [r for r in during if r.status == 0]
    if hung:
        problems.append(f"{len(hung)} requests got no answer in 15 s during the outage (hangs)")
    wrong = [r for r in during if not r.ok and r.status and (r.status != 503 or not r.json)]
    if wrong:
        problems.append(
            f"{len(wrong)} failures were not a 503 JSON: {sorted({r.status for r in wrong})}"
        )
    return problems


@contextmanager
def postgres_stopped(stack: Stack) -> Iterator[None]:
    stack.timeline.mark("postgres stopped")
    with stack.postgres.stopped():
        yield
        stack.timeline.mark("postgres starting")
    stack.timeline.mark("postgres ready")


def database_restart(stack: Stack, image: str) -> tuple[list, list[tuple[int, dict]], float]:
    v1 = stack.deploy_first(image)
    with stack.load(base_url=v1.container.base_url, duration=90).running() as load:
        load.wait(3)
        with postgres_stopped(stack):
            time.sleep(1)
            probes = probe_health(v1)
        back = stack.timeline.now()
        load.wait(RECOVERY_SECONDS + 4)
    return load, probes, back


@pytest.mark.scenario("database-restart")
def test_database_restart(stack: Stack, v1_image: str, scenario: ScenarioResult) -> None:
    load, probes, back = database_restart(stack, v1_image)
    lost = record(scenario, stack, load)
    start = next(t for t, e in stack.timeline.events if e == "postgres stopped")
    scenario.notes.append(f"/health during the outage: {sorted({code for code, _ in probes})}.")

    assert outage_problems(load.records, start, back) == []
    assert probes
    assert all(code == 503 and body["database"] != "ok" for code, body in probes), probes
    assert verdicts.recovered(load.records, back + RECOVERY_SECONDS) == []
    assert verdicts.no_lost_writes(lost) == []


def test_database_restart_rejects_a_health_check_that_ignores_the_database(
    stack: Stack, build_variant: Callable, rehearsal_report: RehearsalReport
) -> None:
    image = build_variant("health-ignores-db", versions.health_ignores_the_database)
    _, probes, _ = database_restart(stack, image)

    healthy = [code for code, _ in probes if code == 200]
    assert healthy, "the database was down and /health never said 200, yet it ignores the DB"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "database-restart",
            "variant": "/health ignores the database",
            "reason": f"/health answered 200 {len(healthy)} times while PostgreSQL was stopped",
        }
    )


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
                f"gradetracker-dblink-{secrets.token_hex(4)}",
                ipam=docker.types.IPAMConfig(pool_configs=[pool]),
                labels=TEST_LABELS,
            )
            break
        except docker.errors.APIError:
            continue
    assert network is not None, "no free subnet for the database link"
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


def database_unreachable(stack: Stack, image: str, env: dict[str, str] | None = None):
    with database_link(stack) as (link, address):
        url = stack.postgres.network_url(driver=None).replace(
            f"@{stack.postgres.alias}:", f"@{address}:"
        )
        stack.token = stack.fleet.first_deploy(image, "rehearsal")
        v1 = stack.start_instance("v1", image, {**(env or {}), "DATABASE_URL": url})
        link.connect(v1.container.get_wrapped_container().id)
        stack.route(v1)
        stack.seeded = seed(stack.balancer.url, stack.token)
        with stack.load(base_url=v1.container.base_url, duration=90).running() as load:
            load.wait(3)
            with postgres_unreachable(stack, link, address):
                # No pause: each probe already waits up to the check timeout for no answer.
                probes = probe_health(v1, pause=0.0)
            back = stack.timeline.now()
            load.wait(RECOVERY_SECONDS + 4)
    return load, probes, back


@pytest.mark.scenario("database-unreachable")
def test_database_unreachable(stack: Stack, v1_image: str, scenario: ScenarioResult) -> None:
    load, probes, back = database_unreachable(stack, v1_image)
    lost = record(scenario, stack, load)
    start = next(t for t, e in stack.timeline.events if e.startswith("postgres unreachable"))
    scenario.notes.append(
        f"/health during the outage (0 = no answer within {CHECK_TIMEOUT_S} s): "
        f"{[(code, body['seconds']) for code, body in probes]}."
    )

    assert outage_problems(load.records, start, back) == []
    slow = [r.latency_ms for r in load.records if start <= r.sent <= back and not r.ok]
    seen = [(code, body["seconds"]) for code, body in probes if code != 503]
    assert probes
    assert all(code == 503 for code, _ in probes), (seen, sorted(slow)[-5:])
    assert verdicts.recovered(load.records, back + RECOVERY_SECONDS) == []
    assert verdicts.no_lost_writes(lost) == []


def test_database_unreachable_rejects_no_timeouts(
    stack: Stack, v1_image: str, rehearsal_report: RehearsalReport
) -> None:
    off = {"DATABASE_CONNECT_TIMEOUT": "0", "DATABASE_STATEMENT_TIMEOUT": "0"}
    _, probes, _ = database_unreachable(stack, v1_image, off)

    hung = [code for code, _ in probes if code == 0]
    assert hung, f"without timeouts /health still answered in time: {probes}"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "database-unreachable",
            "variant": "no connect or dead-connection timeout",
            "reason": f"/health gave no answer within {CHECK_TIMEOUT_S} s {len(hung)} times",
        }
    )


def summary(stack: Stack) -> tuple[int, object]:
    """The course summary report through the balancer: status and body."""
    assert stack.seeded is not None
    url = f"{stack.balancer.url}/api/v1/courses/{stack.seeded.course_id}/summary"
    response = requests.get(url, headers={"Authorization": f"Bearer {stack.token}"}, timeout=10)
    return response.status_code, response.json() if response.ok else response.text[:200]


def redis_outage(stack: Stack, image: str) -> tuple:
    stack.deploy_first(image)
    v1 = stack.fleet.instances[0]
    with stack.load(duration=90).running() as load:
        load.wait(3)
        before = summary(stack)
        wrapped = stack.redis.container.get_wrapped_container()
        wrapped.stop()
        stack.timeline.mark("redis stopped")
        try:
            probes = probe_health(v1)
            during = summary(stack)
        finally:
            wrapped.start()
            stack.redis.wait_strategy().wait_until_ready(stack.redis.container)
            stack.timeline.mark("redis ready")
        load.wait(RECOVERY_SECONDS)
    return load, probes, before, during


@pytest.mark.scenario("redis-outage")
def test_redis_outage(stack: Stack, v1_image: str, scenario: ScenarioResult) -> None:
    load, probes, before, during = redis_outage(stack, v1_image)
    lost = record(scenario, stack, load)
    with stack.redis.client() as client:
        client.flushall()
        summary(stack)
        cached = [key.decode() for key in client.scan_iter(match="gradetracker:*")]
    scenario.notes.append(
        f"/health during the outage: {sorted({b.get('status') for _, b in probes})}."
    )

    assert verdicts.no_failed_requests(load.records) == []
    assert probes
    assert all(code == 200 and body["status"] == "degraded" for code, body in probes), probes
    assert before[0] == 200
    assert during == before, "the report read while Redis was down differs"
    assert cached, "after Redis came back the app did not cache the report in it again"
    assert verdicts.no_lost_writes(lost) == []


def test_redis_outage_rejects_a_limiter_without_fallback(
    stack: Stack, build_variant: Callable, rehearsal_report: RehearsalReport
) -> None:
    image = build_variant("limiter-no-fallback", versions.limiter_without_fallback)
    load, _, _, _ = redis_outage(stack, image)

    problems = verdicts.no_failed_requests(load.records)
    assert problems, "the limiter has no fallback, yet no request failed while Redis was down"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "redis-outage",
            "variant": "rate limiter without in-memory fallback",
            "reason": problems[0],
        }
    )
