"""Scenario zero-downtime-deploy: v2 replaces v1 under load with no failed request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from deploycheck.rehearse import verdicts
from deploycheck.rehearse.deploys import rolling_deploy
from deploycheck.rehearse.report import RehearsalReport, ScenarioResult
from deploycheck.rehearse.stack import Stack, record
from tests.container.deploy import versions

pytestmark = [pytest.mark.container, pytest.mark.slow]


@pytest.mark.scenario("zero-downtime-deploy")
def test_zero_downtime_deploy(
    stack: Stack, v1_image: str, build_variant: Callable, rehearsal_scenario: ScenarioResult
) -> None:
    v1 = stack.deploy_first(v1_image)
    # The block ends the load; the duration only bounds it. v2 is built under load, which on a
    # busy host takes minutes: a fixed 90 s let the load end before the cutover it must see.
    with stack.load(duration=600, max_requests=20_000).running() as load:
        load.wait(2)
        stack.timeline.mark("v2 build starts")
        v2_image = build_variant("v2", versions.v2)
        stack.timeline.mark("v2 built")
        v2, stopped = rolling_deploy(stack, v1, v2_image)
        load.wait(2)
    lost = record(rehearsal_scenario, stack, load)
    cutover = next(t for t, label in stack.timeline.events if label.startswith("v1 drained"))
    rehearsal_scenario.notes.append(
        f"v1 stopped {stopped.seconds:.1f} s after SIGTERM, exit {stopped.exit_code}."
    )

    assert verdicts.no_failed_requests(load.records) == []
    assert verdicts.no_lost_writes(lost) == []
    assert (
        verdicts.clean_exit("v1", stopped.exit_code, stopped.seconds, stack.target.shutdown_window)
        == []
    )
    assert verdicts.served_by(load.records, "v2", after=cutover) == []
    assert requests.get(stack.balancer.url + "/version", timeout=5).json() == {"version": "v2"}


def test_zero_downtime_rejects_a_deploy_without_health_gate(
    stack: Stack, v1_image: str, build_variant: Callable, rehearsal_report: RehearsalReport
) -> None:
    v1 = stack.deploy_first(v1_image)
    v2_image = build_variant("v2", versions.v2)
    with stack.load(duration=60).running() as load:
        load.wait(1)
        # A v2 that never serves (a required setting missing), so the outcome does not depend
        # on how fast it would have booted.
        rolling_deploy(stack, v1, v2_image, health_gated=False, env={"FLASK_SECRET_KEY": ""})
        load.wait(1)

    problems = verdicts.no_failed_requests(load.records)
    assert problems, "traffic moved to a v2 that was not yet healthy, yet no request failed"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "zero-downtime-deploy",
            "variant": "traffic moved to a v2 without waiting for its health check",
            "reason": problems[0],
        }
    )
