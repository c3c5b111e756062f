"""Scenarios failed-deploy and old-code-new-schema: a v2 that cannot become healthy never gets
traffic, a failed migration changes nothing, and v1 works on the schema v2 migrates to."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deploycheck.errors import CommandFailedError
from deploycheck.rehearse import verdicts
from deploycheck.rehearse.report import RehearsalReport, ScenarioResult
from deploycheck.rehearse.scenarios import watch_routed, wrong_database_env
from deploycheck.rehearse.stack import Stack, record
from tests.container.deploy import versions

pytestmark = [pytest.mark.container, pytest.mark.slow]


def schema(stack: Stack) -> tuple[set[tuple[str, str]], list[tuple]]:
    columns = stack.sql(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public'"
    )
    return {(t, c) for t, c in columns}, stack.sql("SELECT version_num FROM alembic_version")


@pytest.mark.scenario("failed-deploy")
def test_failed_deploy(
    stack: Stack, v1_image: str, build_variant: Callable, rehearsal_scenario: ScenarioResult
) -> None:
    stack.deploy_first(v1_image)
    v2_image = build_variant("v2", versions.v2)
    failing_image = build_variant("failing-migration", versions.failing_migration)
    before = schema(stack)
    reasons = {}
    with stack.load(duration=90).running() as load:
        load.wait(2)
        # 1: a required setting missing: gunicorn refuses to start.
        stack.timeline.mark("v2 without FLASK_SECRET_KEY starts")
        missing = stack.fleet.start("v2-no-secret", v2_image, {"FLASK_SECRET_KEY": ""})
        stack.route(missing, wait=False)
        reasons["missing setting"] = (not watch_routed(stack, missing), missing.first_error_line())
        stack.timeline.mark("v2 without FLASK_SECRET_KEY never healthy")
        # 2: a database it cannot use (wrong password): up, but /health says 503.
        stack.timeline.mark("v2 with a wrong DATABASE_URL starts")
        cut_off = stack.fleet.start("v2-wrong-db", v2_image, wrong_database_env(stack))
        stack.route(cut_off, wait=False)
        reasons["wrong database"] = (not watch_routed(stack, cut_off), cut_off.first_error_line())
        stack.timeline.mark("v2 with a wrong DATABASE_URL never healthy")
        # 3: a migration that fails: the deploy stops before any v2 instance starts.
        stack.timeline.mark("pre-deploy of a failing migration")
        with pytest.raises(CommandFailedError) as failure:
            stack.fleet.pre_deploy(failing_image)
        reasons["failed migration"] = (True, first_error(str(failure.value)))
        stack.timeline.mark("pre-deploy failed; deploy stopped")
        load.wait(2)
    lost = record(rehearsal_scenario, stack, load)
    rehearsal_scenario.notes += [f"{case}: {line}" for case, (_, line) in reasons.items()]

    assert {case: gated for case, (gated, _) in reasons.items()} == dict.fromkeys(reasons, True)
    assert "FLASK_SECRET_KEY" in reasons["missing setting"][1]
    assert "password authentication failed" in reasons["wrong database"][1]
    assert "no_such_function" in reasons["failed migration"][1]
    assert verdicts.no_failed_requests(load.records) == []
    assert {r.instance for r in load.records} == {"v1"}
    assert verdicts.no_lost_writes(lost) == []
    assert schema(stack) == before, "the failed migration left the schema changed"


def first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines()]
    return next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")


def test_failed_deploy_rejects_a_health_check_that_ignores_the_database(
    stack: Stack, v1_image: str, build_variant: Callable, rehearsal_report: RehearsalReport
) -> None:
    stack.deploy_first(v1_image)
    blind_image = build_variant("health-ignores-db", versions.health_ignores_the_database)
    with stack.load(duration=60).running() as load:
        load.wait(1)
        blind = stack.fleet.start("v2-blind", blind_image, wrong_database_env(stack))
        stack.route(blind)
        load.wait(3)

    problems = verdicts.no_failed_requests(load.records)
    assert problems, "a v2 that cannot reach its database took traffic, yet nothing failed"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "failed-deploy",
            "variant": "/health ignores the database",
            "reason": problems[0],
        }
    )


def api_flow(stack: Stack) -> list[str]:
    """v1's whole API flow (write, read, report, change, delete) through the balancer."""
    load = stack.load(duration=8)
    with load.running():
        load.wait(8)
    return verdicts.no_failed_requests(load.records), load


@pytest.mark.scenario("old-code-new-schema")
def test_old_code_runs_on_the_new_schema(
    stack: Stack, v1_image: str, build_variant: Callable, rehearsal_scenario: ScenarioResult
) -> None:
    stack.deploy_first(v1_image)
    stack.fleet.pre_deploy(build_variant("v2", versions.v2))
    problems, load = api_flow(stack)
    stack.timeline.mark("v1 ran on v2's schema")
    lost = record(rehearsal_scenario, stack, load)
    rehearsal_scenario.notes.append(
        "v1 served its reads and writes on the database migrated to v2's head."
    )

    assert problems == []
    assert verdicts.no_lost_writes(lost) == []


def test_old_code_new_schema_rejects_a_migration_that_drops_a_column_v1_reads(
    stack: Stack, v1_image: str, build_variant: Callable, rehearsal_report: RehearsalReport
) -> None:
    stack.deploy_first(v1_image)
    stack.fleet.pre_deploy(build_variant("drops-email", versions.drops_a_column_v1_reads))
    problems, _ = api_flow(stack)

    assert problems, "v1 kept working after its students.email column was dropped"
    rehearsal_report.rejected_variants.append(
        {
            "scenario": "old-code-new-schema",
            "variant": "migration drops students.email",
            "reason": problems[0],
        }
    )
