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
from deploycheck.rehearse.deploys import rolling_deploy
from deploycheck.rehearse.faults import postgres_stopped, redis_stopped
from deploycheck.rehearse.report import ScenarioResult
from deploycheck.rehearse.stack import Stack, record
from deploycheck.rehearse.target import DeployTarget, Wiring

# Steady load before a fault, the fault itself, and the recovery allowed after it ("within
# seconds"): the rehearsal's compressed clock (docs/rehearse.md says how it maps to Render's).
WARM_UP_SECONDS = 2.0
OUTAGE_SECONDS = 6.0
RECOVERY_SECONDS = 5.0
# How long a new version that is not healthy is watched before the rehearsal calls the deploy
# failed (Render waits 15 minutes).
WATCH_SECONDS = 8.0
# A start command that exits at once: the crashing start of a failed deploy.
CRASHING_START = "sh -c 'echo rehearsal: this start command exits 1 >&2; exit 1'"


@dataclass(frozen=True)
class Scenario:
    """A named scenario; ``needs`` says what of the Blueprint it needs (else it is skipped);
    ``own_datastores`` that it stops or cuts them, so it does not run on the shared ones."""

    name: str
    run: Callable[[Stack, str, ScenarioResult], list[str]]
    needs: str = ""
    own_datastores: bool = False


def zero_downtime_deploy(stack: Stack, image: str, result: ScenarioResult) -> list[str]:
    """A redeploy of the same build under load: no failed request, no lost write, the old
    instance exits cleanly within maxShutdownDelaySeconds, the new one serves."""
    v1 = stack.deploy_first(image)
    with stack.load(duration=90).running() as load:
        load.wait(WARM_UP_SECONDS)
        _, stopped = rolling_deploy(stack, v1, image)
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


def failed_deploy(stack: Stack, image: str, result: ScenarioResult) -> list[str]:
    """New versions that never become healthy: one whose start command crashes and, when the
    Blueprint has a database, one given wrong database credentials. Neither is routed to;
    the old one keeps answering every request."""
    stack.deploy_first(image)
    broken = {"a crashing start command": ({}, CRASHING_START)}
    if stack.postgres is not None:
        broken["a wrong database password"] = (wrong_database_env(stack), None)
    problems = []
    with stack.load(duration=90).running() as load:
        load.wait(WARM_UP_SECONDS)
        for n, (case, (env, command)) in enumerate(broken.items(), 2):
            stack.timeline.mark(f"v{n} with {case} starts")
            new = stack.fleet.start(f"v{n}", image, env, command)
            stack.route(new, wait=False)
            routed = watch_routed(stack, new.name)
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
    wrong = right.replace(quote(stack.postgres.password, safe=""), "wrong-password")
    wiring = Wiring(wrong, "", {})
    env = stack.target.environment(wiring)
    keys = [key for key, source, _ in stack.target.env_rules if source == "fromDatabase"]
    return {key: env[key] for key in keys}


def watch_routed(stack: Stack, name: str) -> str:
    """The balancer's state of ``name`` if it went up within WATCH_SECONDS, else ''."""
    deadline = time.monotonic() + WATCH_SECONDS
    while time.monotonic() < deadline:
        state = stack.balancer.servers().get(name)
        if state is not None and state.up:
            return str(state)
        time.sleep(0.5)
    return ""


def outage(
    fault: Callable[[Stack], AbstractContextManager[None]],
) -> Callable[[Stack, str, ScenarioResult], list[str]]:
    """A datastore outage under load: requests during it may fail but must be answered (no
    hang), and every request from RECOVERY_SECONDS after it is back succeeds."""

    def scenario(stack: Stack, image: str, result: ScenarioResult) -> list[str]:
        stack.deploy_first(image)
        with stack.load(duration=90).running() as load:
            load.wait(WARM_UP_SECONDS)
            with fault(stack):
                start = stack.timeline.now()
                time.sleep(OUTAGE_SECONDS)
            back = stack.timeline.now()
            load.wait(RECOVERY_SECONDS + WARM_UP_SECONDS)
        lost = record(result, stack, load)
        during = [r for r in load.records if start <= r.sent <= back]
        failed = [r for r in during if not r.ok]
        result.notes.append(f"{len(failed)} of {len(during)} requests failed during the outage.")
        hung = [r for r in during if r.status == 0]
        problems = [f"{len(hung)} requests got no answer during the outage (hangs)"] if hung else []
        return [
            *problems,
            *verdicts.recovered(load.records, back + RECOVERY_SECONDS),
            *verdicts.no_lost_writes(lost),
        ]

    return scenario


def scale_out(stack: Stack, image: str, result: ScenarioResult) -> list[str]:
    """``scaling.maxInstances`` instances behind the proxy: every one serves, none fails."""
    count = stack.target.max_instances
    first = stack.deploy_first(image)
    for n in range(1, count):
        stack.route(stack.fleet.start(f"v1-{n}", image))
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
    Scenario("keyvalue-outage", outage(redis_stopped), "keyvalue", own_datastores=True),
    Scenario("scale-out", scale_out, needs="scaling"),
)


def skipped_because(scenario: Scenario, target: DeployTarget) -> str:
    """Why ``scenario`` does not apply to the Blueprint's service; '' when it does."""
    if scenario.needs == "database" and not target.postgres_versions:
        return "the Blueprint declares no database"
    if scenario.needs == "keyvalue" and not target.key_value_policies:
        return "the Blueprint declares no Key Value"
    if scenario.needs == "scaling" and target.max_instances < 2:
        return "the service scales to one instance (scaling.maxInstances)"
    return ""
