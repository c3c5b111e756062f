"""Scenarios worker-crash and sigterm-drain: what gunicorn does for the instance when a worker
dies and when Render stops the instance with requests in flight."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import requests

from deploycheck.rehearse import verdicts
from deploycheck.rehearse.deploys import Stopped, sigterm
from deploycheck.rehearse.load import DEFAULT_CLIENTS
from deploycheck.rehearse.report import RehearsalReport, ScenarioResult
from deploycheck.rehearse.stack import Stack, record
from tests.container.deploy.workload import API, api_session

pytestmark = [pytest.mark.container, pytest.mark.slow]

WORKERS = 2  # WEB_CONCURRENCY in render.yaml
SLOW_REQUESTS = 4
# How long the slow requests stay blocked after SIGTERM: well inside graceful_timeout (25 s).
HOLD_AFTER_SIGTERM = 3.0
# A replaced worker serves again within this; the broken variant's never does.
RECOVERY_SECONDS = 5.0


def wait_for_workers(stack: Stack, name: str, count: int, timeout: float = 60.0) -> list[int]:
    instance = next(i for i in stack.fleet.instances if i.name == name)
    deadline = time.monotonic() + timeout
    pids = instance.worker_pids()
    while len(pids) != count and time.monotonic() < deadline:
        time.sleep(0.5)
        pids = instance.worker_pids()
    return pids


@pytest.mark.scenario("worker-crash")
def test_worker_crash(stack: Stack, v1_image: str, rehearsal_scenario: ScenarioResult) -> None:
    v1 = stack.deploy_first(v1_image)
    before = wait_for_workers(stack, "v1", WORKERS)
    with stack.load(duration=60).running() as load:
        load.wait(3)
        stack.timeline.mark(f"SIGKILL worker {before[0]}")
        v1.signal(before[0], "SIGKILL")
        after = wait_for_workers(stack, "v1", WORKERS)
        stack.timeline.mark("master replaced it")
        load.wait(4)
    lost = record(rehearsal_scenario, stack, load)
    failures = verdicts.failed(load.records)
    rehearsal_scenario.notes.append(
        f"{len(failures)} requests failed: at most the killed worker's in-flight requests "
        f"(the load has {DEFAULT_CLIENTS} in flight at most)."
    )

    assert len(after) == WORKERS, (before, after)
    assert before[0] not in after, (before, after)
    assert len(failures) <= DEFAULT_CLIENTS, verdicts.no_failed_requests(load.records)
    assert verdicts.no_lost_writes(lost) == []
    replaced = next(t for t, e in stack.timeline.events if e == "master replaced it")
    assert verdicts.recovered(load.records, replaced) == []


def test_worker_crash_rejects_a_server_without_a_master(
    stack: Stack, v1_image: str, rehearsal_report: RehearsalReport
) -> None:
    setup_output = stack.setup(v1_image)
    # A Dockerfile whose CMD runs the development server: one process, nobody to replace it.
    bare = stack.fleet.start(
        "v1", v1_image, {"PORT": "10000"}, command="flask --app app run --host 0.0.0.0 --port 10000"
    )
    stack.route(bare)
    stack.workload.prepare(stack.balancer.url, setup_output)
    with stack.load(duration=30).running() as load:
        load.wait(2)
        killed = stack.timeline.now()
        bare.container.get_wrapped_container().kill(signal="SIGKILL")
        load.wait(RECOVERY_SECONDS + 8)

    problems = verdicts.recovered(load.records, killed + RECOVERY_SECONDS)
    assert problems, "the only serving process was killed, yet requests kept succeeding"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "worker-crash",
            "variant": "no gunicorn master (flask run)",
            "reason": problems[0],
        }
    )


def slow_writes(stack: Stack, url: str, results: list[int]) -> list[threading.Thread]:
    """SLOW_REQUESTS writes straight at one instance; each appends its status (0: no answer)."""

    def write(number: int) -> None:
        session = api_session(stack.workload.token)
        body = {"name": f"Slow {number}", "email": f"slow-{number}@rehearsal.example"}
        try:
            status = session.post(url + API + "/students", json=body, timeout=40).status_code
        except requests.RequestException:
            status = 0
        results.append(status)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(SLOW_REQUESTS)]
    for thread in threads:
        thread.start()
    return threads


def drain_with_slow_requests(
    stack: Stack, v1_image: str, env: dict[str, str] | None = None
) -> tuple[list[int], Stopped, list]:
    """Two instances; a lock makes writes on ``a`` slow; SIGTERM ``a`` while they wait, then
    release the lock. The slow requests' statuses, how ``a`` stopped, and the load's records."""
    a = stack.deploy_first(v1_image, env)
    b = stack.fleet.start("v1-b", v1_image, env)
    stack.route(b)
    statuses: list[int] = []
    with stack.load(duration=60, writes=False).running() as load:
        load.wait(2)
        with psycopg.connect(stack.postgres.dsn) as lock:
            lock.execute("LOCK TABLE students IN ACCESS EXCLUSIVE MODE")
            stack.timeline.mark(f"students locked; {SLOW_REQUESTS} slow writes to v1")
            threads = slow_writes(stack, a.container.base_url, statuses)
            time.sleep(1.5)
            stack.timeline.mark("v1 SIGTERM")
            stopping: list[Stopped] = []
            stopper = threading.Thread(
                target=lambda: stopping.append(sigterm(a, stack.target.shutdown_window))
            )
            stopper.start()
            time.sleep(HOLD_AFTER_SIGTERM)
            stack.timeline.mark("lock released")
        for thread in threads:
            thread.join()
        stopper.join()
        stack.timeline.mark(f"v1 exited {stopping[0].exit_code}")
        load.wait(2)
    return statuses, stopping[0], load


@pytest.mark.scenario("sigterm-drain")
def test_sigterm_drain(stack: Stack, v1_image: str, rehearsal_scenario: ScenarioResult) -> None:
    statuses, stopped, load = drain_with_slow_requests(stack, v1_image)
    record(rehearsal_scenario, stack, load)
    rehearsal_scenario.notes.append(
        f"slow in-flight writes answered {sorted(statuses)}; v1 stopped {stopped.seconds:.1f} s "
        f"after SIGTERM with exit {stopped.exit_code}."
    )

    assert statuses == [201] * SLOW_REQUESTS
    assert (
        verdicts.clean_exit("v1", stopped.exit_code, stopped.seconds, stack.target.shutdown_window)
        == []
    )
    assert verdicts.no_failed_requests(load.records) == []


def test_sigterm_drain_rejects_a_graceful_timeout_of_zero(
    stack: Stack, v1_image: str, rehearsal_report: RehearsalReport
) -> None:
    # gunicorn reads GUNICORN_CMD_ARGS after gunicorn.conf.py, so this overrides its 25 s.
    statuses, _, _ = drain_with_slow_requests(
        stack, v1_image, {"GUNICORN_CMD_ARGS": "--graceful-timeout 0"}
    )

    assert statuses != [201] * SLOW_REQUESTS, "graceful_timeout 0, yet every slow request finished"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "sigterm-drain",
            "variant": "graceful_timeout 0",
            "reason": f"slow in-flight writes answered {sorted(statuses)}, not all 201",
        }
    )
