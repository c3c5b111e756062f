"""The scenarios ``deploycheck rehearse`` runs on any Blueprint's web service. Each takes a
fresh stack and the built image, drives load through Render's proxy (HAProxy) while something
happens, and returns the problems it saw: an empty list is a pass.

A project's own tests can add app-specific promises on top (see this repository's
tests/container/deploy); these hold for any service.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from urllib.parse import quote

from deploycheck.rehearse import verdicts
from deploycheck.rehearse.deploys import rolling_deploy, sigterm
from deploycheck.rehearse.faults import (
    database_env,
    database_link,
    first_deploy_on_link,
    postgres_stopped,
    postgres_unreachable,
    redis_stopped,
)
from deploycheck.rehearse.instances import Instance
from deploycheck.rehearse.load import REQUEST_TIMEOUT, Load, Workload
from deploycheck.rehearse.report import ScenarioResult
from deploycheck.rehearse.restarts import Restarts
from deploycheck.rehearse.stack import Stack, record
from deploycheck.rehearse.target import DeployTarget

# Steady load before a fault, the fault itself, and the recovery allowed after it ("within
# seconds"): the rehearsal's compressed clock (docs/rehearse.md says how it maps to Render's).
WARM_UP_SECONDS = 2.0
OUTAGE_SECONDS = 6.0
RECOVERY_SECONDS = 5.0
# An unreachable database lasts longer than the load's request timeout, so a request that
# waits on it with no timeout of its own is seen hanging rather than finishing once it is back.
UNREACHABLE_SECONDS = REQUEST_TIMEOUT + 5
# How long a new version that is not healthy is watched before the rehearsal calls the deploy
# failed (Render waits 15 minutes).
WATCH_SECONDS = 8.0
# How long a killed instance may take to be started again (Render restarts it at once).
CRASH_RESTART_WAIT_SECONDS = 20.0
# How long a restarted instance may take to serve again (its boot and health checks).
BACK_WAIT_SECONDS = 45.0
# Slow requests held in flight at SIGTERM, sent this long before it (time to reach the app on
# a busy host; `rehearse: slow:` should take longer, and the scenario fails if none was still
# in flight at SIGTERM).
IN_FLIGHT = 4
IN_FLIGHT_HEAD_START = 2.0
# A start command that exits at once: the crashing start of a failed deploy.
CRASHING_START = "sh -c 'echo rehearsal: this start command exits 1 >&2; exit 1'"


@dataclass(frozen=True)
class Versions:
    """The images a scenario deploys: the one under test and, for a deploy, the one it
    replaces (the same image: a redeploy)."""

    current: str
    previous: str


@dataclass(frozen=True)
class Scenario:
    """A named scenario; ``needs`` says what of the Blueprint it needs (else it is skipped);
    ``own_datastores`` that it stops or cuts them, so it does not run on the shared ones."""

    name: str
    run: Callable[[Stack, Versions, ScenarioResult], list[str]]
    needs: str = ""
    own_datastores: bool = False


def zero_downtime_deploy(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
    """A deploy under load from the previous version (by default the same build: a redeploy)
    to the current one: no failed request, no lost write, the old instance exits cleanly
    within maxShutdownDelaySeconds, the new one serves."""
    v1 = stack.deploy_first(versions.previous)
    with stack.load(duration=90).running() as load:
        load.wait(WARM_UP_SECONDS)
        _, stopped = rolling_deploy(stack, v1, versions.current)
        load.wait(WARM_UP_SECONDS)
    lost = record(result, stack, load)
    cutover = next(t for t, label in stack.timeline.events if label.startswith("v1 drained"))
    result.notes.append(
        f"v1 stopped {stopped.seconds:.1f} s after SIGTERM, exit {stopped.exit_code}."
    )
    return [
        *verdicts.no_failed_requests(load.records),
        *verdicts.no_lost_writes(lost),
        *verdicts.clean_exit(
            "v1", stopped.exit_code, stopped.seconds, stack.target.shutdown_window
        ),
        *verdicts.served_by(load.records, "v2", after=cutover),
    ]


def failed_deploy(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
    """New versions that never become healthy: one whose start command crashes and, when the
    Blueprint has a database, one given wrong database credentials. Neither is routed to;
    the old one keeps answering every request."""
    stack.deploy_first(versions.current)
    broken = {"a crashing start command": ({}, CRASHING_START)}
    if stack.postgres is not None:
        broken["a wrong database password"] = (wrong_database_env(stack), None)
    problems = []
    with stack.load(duration=90).running() as load:
        load.wait(WARM_UP_SECONDS)
        for n, (case, (env, command)) in enumerate(broken.items(), 2):
            stack.timeline.mark(f"v{n} with {case} starts")
            new = stack.fleet.start(f"v{n}", versions.current, env, command)
            stack.route(new, wait=False)
            routed = watch_routed(stack, new)
            if routed:
                problems.append(f"v{n} with {case} was routed to ({routed})")
            stack.balancer.remove_server(new.name)
            stack.timeline.mark(f"deploy of v{n} cancelled; v1 keeps serving")
        load.wait(WARM_UP_SECONDS)
    lost = record(result, stack, load)
    served = sorted({r.instance for r in load.records if r.ok})
    if served != ["v1"]:
        problems.append(f"requests were answered by {served}, not by v1 alone")
    return [*problems, *verdicts.no_failed_requests(load.records), *verdicts.no_lost_writes(lost)]


def wrong_database_env(stack: Stack) -> dict[str, str]:
    """The Blueprint's database variables as they would be with a wrong password."""
    assert stack.postgres is not None
    right = stack.postgres.network_url(driver=None)
    return database_env(stack, right.replace(quote(stack.postgres.password, safe=""), "wrong"))


def watch_routed(stack: Stack, instance: Instance) -> str:
    """The balancer's state of ``instance`` if it went up within WATCH_SECONDS of health
    checks once it exited or answered, else ''."""
    instance.settle(stack.target.health_path)
    deadline = time.monotonic() + WATCH_SECONDS
    while time.monotonic() < deadline:
        state = stack.balancer.servers().get(instance.name)
        if state is not None and state.up:
            return str(state)
        time.sleep(0.5)
    return ""


def outage(
    fault: Callable[[Stack], AbstractContextManager[None]],
) -> Callable[[Stack, Versions, ScenarioResult], list[str]]:
    """A datastore outage under load: requests during it may fail but must be answered (no
    hang), and every request from RECOVERY_SECONDS after it is back succeeds."""

    def scenario(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
        stack.deploy_first(versions.current)
        return outage_under_load(stack, result, fault(stack))

    return scenario


def database_unreachable(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
    """PostgreSQL cut off the network (packets dropped, nothing refused): the outage a
    stopped database is not, since only timeouts end the app's waits."""
    with database_link(stack) as (link, address):
        first_deploy_on_link(stack, versions.current, link, address)
        cut = postgres_unreachable(stack, link, address)
        return outage_under_load(stack, result, cut, UNREACHABLE_SECONDS)


def outage_under_load(
    stack: Stack,
    result: ScenarioResult,
    fault: AbstractContextManager[None],
    seconds: float = OUTAGE_SECONDS,
) -> list[str]:
    with stack.load(duration=90).running() as load:
        load.wait(WARM_UP_SECONDS)
        with fault:
            start = stack.timeline.now()
            time.sleep(seconds)
        back = stack.timeline.now()
        load.wait(RECOVERY_SECONDS + WARM_UP_SECONDS)
    lost = record(result, stack, load)
    # In flight at some point of the outage: a request sent before it can hang through it.
    during = [r for r in load.records if r.sent <= back and r.sent + r.latency_ms / 1000 >= start]
    failed = [r for r in during if not r.ok]
    result.notes.append(f"{len(failed)} of {len(during)} requests failed during the outage.")
    hung = [r for r in during if r.status == 0]
    problems = [f"{len(hung)} requests got no answer during the outage (hangs)"] if hung else []
    return [
        *problems,
        *verdicts.recovered(load.records, back + RECOVERY_SECONDS),
        *verdicts.no_lost_writes(lost),
    ]


def instance_crash(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
    """One instance SIGKILLed under load (an out-of-memory kill, a segfault) and started again,
    as Render does. With two instances (``scaling.maxInstances`` allows it) the other carries
    the traffic: nothing fails but requests in flight at the kill; with one, the gap is
    measured and reported. Either way the restarted instance serves again."""
    count = min(2, stack.target.max_instances)
    first = stack.deploy_first(versions.current)
    for n in range(1, count):
        stack.route(stack.fleet.start(f"v1-{n}", versions.current))
    with Restarts(stack) as restarts, stack.load(duration=180).running() as load:
        load.wait(WARM_UP_SECONDS)
        killing = stack.timeline.now()
        first.container.get_wrapped_container().kill()
        killed = stack.timeline.now()
        stack.timeline.mark(f"{first.name} killed (SIGKILL)")
        deadline = time.monotonic() + CRASH_RESTART_WAIT_SECONDS
        while not restarts.restarted and time.monotonic() < deadline:
            time.sleep(0.25)
        back = None
        if restarts.restarted:
            back = answered_by(load, first.name, restarts.restarted[0][0], BACK_WAIT_SECONDS)
        if back is not None:
            stack.timeline.mark(f"{first.name} serves again")
            load.wait(RECOVERY_SECONDS + WARM_UP_SECONDS)
    lost = record(result, stack, load)
    if not restarts.restarted:
        return [f"{first.name} was not restarted within {CRASH_RESTART_WAIT_SECONDS:.0f} s"]
    restarted_at = restarts.restarted[0][0]
    result.notes.append(
        f"{first.name} restarted {restarted_at - killed:.1f} s after the kill "
        f"({len(restarts.restarted)} restarts)"
        + (f", served again {back - killed:.1f} s after it." if back is not None else ".")
    )
    if back is None:
        return [
            f"no request was answered by {first.name} within {BACK_WAIT_SECONDS:.0f} s of "
            "its restart"
        ]
    # The kill landed somewhere between the call and its return (a busy engine takes time).
    in_flight = [
        r for r in load.records if r.sent <= killed and r.sent + r.latency_ms / 1000 >= killing
    ]
    failed = [r for r in verdicts.failed(load.records) if r not in in_flight]
    problems = []
    if count > 1 and failed:
        kinds = sorted({f"{r.status} {r.error[:40]}".strip() for r in failed})
        problems.append(
            f"{len(failed)} requests failed beyond the {len(in_flight)} in flight at the kill "
            f"while {count - 1} other instance(s) served ({', '.join(kinds)})"
        )
    elif failed:
        gap = failed[-1].sent - failed[0].sent
        result.notes.append(
            f"One instance: {len(failed)} requests failed over {gap:.1f} s until it was back "
            "(scaling.maxInstances > 1 would carry them)."
        )
    return [
        *problems,
        *verdicts.recovered(load.records, back),
        *verdicts.no_lost_writes(lost),
    ]


def answered_by(load: Load, name: str, after: float, timeout: float) -> float | None:
    """When the first request sent from ``after`` on and answered by ``name`` was sent;
    None if none was within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [r.sent for r in list(load.records) if r.ok and r.instance == name]
        later = [s for s in sent if s >= after]
        if later:
            return min(later)
        time.sleep(0.5)
    return None


def sigterm_drain(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
    """SIGTERM with slow requests in flight, as the old instance of a deploy gets it once the
    proxy drained it: they complete, it exits 0 within maxShutdownDelaySeconds, and the other
    instance answers everything else."""
    slow = stack.workload.slow_request()
    assert slow is not None, "skipped_because() skips this scenario without a slow request"
    v1 = stack.deploy_first(versions.current)
    stack.route(stack.fleet.start("v2", versions.current))
    held = stack.load(
        v1.container.base_url,
        clients=IN_FLIGHT,
        rate=IN_FLIGHT * 10,
        max_requests=IN_FLIGHT,
        only=slow,
    )
    with stack.load(duration=120).running() as load:
        load.wait(WARM_UP_SECONDS)
        held.start()
        time.sleep(IN_FLIGHT_HEAD_START)
        stack.balancer.drain(v1.name)
        stack.timeline.mark(f"{v1.name} drained, SIGTERM with {slow.method} {slow.path} in flight")
        signalled = stack.timeline.now()
        stopped = sigterm(v1, stack.target.shutdown_window)
        stack.timeline.mark(f"{v1.name} exited {stopped.exit_code}")
        held.stop()
        load.wait(WARM_UP_SECONDS)
    lost = record(result, stack, load)
    result.records += held.records
    in_flight = [r for r in held.records if r.sent + r.latency_ms / 1000 > signalled]
    result.notes.append(
        f"{len(in_flight)} of {len(held.records)} `{slow.method} {slow.path}` were in flight at "
        f"SIGTERM; {v1.name} stopped {stopped.seconds:.1f} s later, exit {stopped.exit_code}."
    )
    problems = [] if in_flight else [f"no {slow.path} was still in flight at SIGTERM (too fast)"]
    dropped = verdicts.no_failed_requests(held.records)
    return [
        *problems,
        *[f"in flight at SIGTERM: {problem}" for problem in dropped],
        *verdicts.clean_exit(
            v1.name, stopped.exit_code, stopped.seconds, stack.target.shutdown_window
        ),
        *verdicts.no_failed_requests(load.records),
        *verdicts.no_lost_writes(lost),
    ]


def scale_out(stack: Stack, versions: Versions, result: ScenarioResult) -> list[str]:
    """``scaling.maxInstances`` instances behind the proxy: every one serves, none fails."""
    count = stack.target.max_instances
    first = stack.deploy_first(versions.current)
    for n in range(1, count):
        stack.route(stack.fleet.start(f"v1-{n}", versions.current))
    stack.timeline.mark(f"{count} instances healthy")
    with stack.load(duration=30).running() as load:
        load.wait(3 * count)
    lost = record(result, stack, load)
    served = sorted({r.instance for r in load.records if r.ok})
    names = sorted([first.name, *(f"v1-{n}" for n in range(1, count))])
    problems = [] if served == names else [f"answered by {served}, expected all of {names}"]
    return [*problems, *verdicts.no_failed_requests(load.records), *verdicts.no_lost_writes(lost)]


SCENARIOS = (
    Scenario("zero-downtime-deploy", zero_downtime_deploy),
    Scenario("failed-deploy", failed_deploy),
    Scenario("database-restart", outage(postgres_stopped), "database", own_datastores=True),
    Scenario("database-unreachable", database_unreachable, "database", own_datastores=True),
    Scenario("keyvalue-outage", outage(redis_stopped), "keyvalue", own_datastores=True),
    Scenario("instance-crash", instance_crash),
    Scenario("sigterm-drain", sigterm_drain, needs="slow"),
    Scenario("scale-out", scale_out, needs="scaling"),
)


def skipped_because(scenario: Scenario, target: DeployTarget, workload: Workload) -> str:
    """Why ``scenario`` does not apply to the Blueprint's service; '' when it does."""
    if scenario.needs == "slow" and workload.slow_request() is None:
        return "no slow request to hold in flight at SIGTERM (`rehearse: slow:`)"
    if scenario.needs == "database" and not target.postgres_versions:
        return "the Blueprint declares no database"
    if scenario.needs == "keyvalue" and not target.key_value_policies:
        return "the Blueprint declares no Key Value"
    if scenario.needs == "scaling" and target.max_instances < 2:
        return "the service scales to one instance (scaling.maxInstances)"
    return ""
