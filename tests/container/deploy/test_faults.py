"""Scenarios database-restart, database-unreachable and redis-outage: the managed datastores
have trouble under load, and the app answers fast, says so on /health, and recovers alone.

The load goes straight at the instance here, not through the balancer: with the only instance
unhealthy the balancer answers its own 503 page, and the promise under test is the app's
(a fast 503 JSON, never a hang, never an HTML 500).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from deploycheck.rehearse import verdicts
from deploycheck.rehearse.balancer import CHECK_TIMEOUT_S
from deploycheck.rehearse.faults import (
    database_link,
    first_deploy_on_link,
    postgres_stopped,
    postgres_unreachable,
    redis_stopped,
)
from deploycheck.rehearse.instances import Instance
from deploycheck.rehearse.load import Record
from deploycheck.rehearse.report import RehearsalReport, ScenarioResult
from deploycheck.rehearse.stack import Stack, record
from tests.container.deploy import versions
from tests.container.deploy.workload import API, api_session

# Each scenario stops or cuts a datastore: servers of its own, not the shared ones.
pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.own_datastores]

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
def test_database_restart(stack: Stack, v1_image: str, rehearsal_scenario: ScenarioResult) -> None:
    load, probes, back = database_restart(stack, v1_image)
    lost = record(rehearsal_scenario, stack, load)
    start = next(t for t, e in stack.timeline.events if e == "postgres stopped")
    codes = sorted({code for code, _ in probes})
    rehearsal_scenario.notes.append(f"/health during the outage: {codes}.")

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


def database_unreachable(stack: Stack, image: str, env: dict[str, str] | None = None):
    with database_link(stack) as (link, address):
        v1 = first_deploy_on_link(stack, image, link, address, env)
        with stack.load(base_url=v1.container.base_url, duration=90).running() as load:
            load.wait(3)
            with postgres_unreachable(stack, link, address):
                # No pause: each probe already waits up to the check timeout for no answer.
                probes = probe_health(v1, pause=0.0)
            back = stack.timeline.now()
            load.wait(RECOVERY_SECONDS + 4)
    return load, probes, back


@pytest.mark.scenario("database-unreachable")
def test_database_unreachable(
    stack: Stack, v1_image: str, rehearsal_scenario: ScenarioResult
) -> None:
    load, probes, back = database_unreachable(stack, v1_image)
    lost = record(rehearsal_scenario, stack, load)
    start = next(t for t, e in stack.timeline.events if e.startswith("postgres unreachable"))
    rehearsal_scenario.notes.append(
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
    assert stack.workload.seeded is not None
    url = f"{stack.balancer.url}{API}/courses/{stack.workload.seeded.course_id}/summary"
    response = api_session(stack.workload.token).get(url, timeout=10)
    return response.status_code, response.json() if response.ok else response.text[:200]


def redis_outage(stack: Stack, image: str) -> tuple:
    stack.deploy_first(image)
    v1 = stack.fleet.instances[0]
    with stack.load(duration=90).running() as load:
        load.wait(3)
        before = summary(stack)
        with redis_stopped(stack):
            probes = probe_health(v1)
            during = summary(stack)
        load.wait(RECOVERY_SECONDS)
    return load, probes, before, during


@pytest.mark.scenario("redis-outage")
def test_redis_outage(stack: Stack, v1_image: str, rehearsal_scenario: ScenarioResult) -> None:
    load, probes, before, during = redis_outage(stack, v1_image)
    lost = record(rehearsal_scenario, stack, load)
    with stack.redis.client() as client:
        client.flushall()
        summary(stack)
        cached = [key.decode() for key in client.scan_iter(match="gradetracker:*")]
    rehearsal_scenario.notes.append(
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
