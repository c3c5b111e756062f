"""The deploy rehearsal as pytest fixtures, loaded by deploycheck's plugin
(:mod:`deploycheck.testing.plugin`) for any project's suite:

- ``rehearsal_target``: the project's ``render.yaml`` web service (:class:`DeployTarget`);
- ``rehearsal_settings``: the ``rehearse:`` section of the project's deploycheck config;
- ``rehearsal_report``: the report every scenario adds to, written at the end of the session;
- ``rehearsal_scenario``: a test's record in it, named by ``@pytest.mark.scenario(name)``; its
  verdict is the test's outcome, so the report never says "pass" for a failed assertion;
- ``rehearsal_stack``: a fresh stack (network, the Blueprint's datastores, HAProxy) loaded by
  the config's workload; a project with its own workload builds one with
  :func:`deploycheck.rehearse.stack.rehearsal_stack`.

The machinery is imported only when a test asks for one of these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from deploycheck.rehearse.report import RehearsalReport, ScenarioResult
    from deploycheck.rehearse.settings import RehearseSettings
    from deploycheck.rehearse.stack import Stack
    from deploycheck.rehearse.target import DeployTarget

BLUEPRINT = "render.yaml"
OUTCOME = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(name): a deploy rehearsal scenario in the report")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[OUTCOME] = report.passed
    return report


@pytest.fixture(scope="session")
def rehearsal_target(project_root: Path) -> DeployTarget:
    """The project's Blueprint's web service: plan, health path, pre-deploy command, env."""
    from deploycheck.rehearse.target import DeployTarget

    return DeployTarget.from_blueprint(project_root / BLUEPRINT)


@pytest.fixture(scope="session")
def rehearsal_settings(project_root: Path) -> RehearseSettings:
    """The ``rehearse:`` section of the project's config (the defaults when there is none)."""
    from deploycheck.config import config_for
    from deploycheck.rehearse.settings import RehearseSettings

    return config_for(project_root / BLUEPRINT).rehearse or RehearseSettings()


@pytest.fixture(scope="session")
def rehearsal_report(report_dir: Path) -> Iterator[RehearsalReport]:
    """The report every scenario adds to; written once, at the end."""
    from deploycheck.rehearse.report import RehearsalReport

    report = RehearsalReport()
    yield report
    report.write(report_dir)


@pytest.fixture
def rehearsal_scenario(
    request: pytest.FixtureRequest, rehearsal_report: RehearsalReport, report_dir: Path
) -> Iterator[ScenarioResult]:
    """This scenario's record in the report; its verdict is the test's outcome."""
    from deploycheck.rehearse.report import CHART_DIR, ScenarioResult

    marker = request.node.get_closest_marker("scenario")
    if marker is None:
        raise pytest.UsageError(f"{request.node.nodeid}: mark it @pytest.mark.scenario(name)")
    name = marker.args[0]
    result = ScenarioResult(name, log_dir=report_dir / CHART_DIR / "logs" / name)
    yield result
    result.verdict = "pass" if request.node.stash.get(OUTCOME, False) else "fail"
    rehearsal_report.scenarios.append(result)


@pytest.fixture
def rehearsal_stack(
    docker_engine: None, rehearsal_target: DeployTarget, rehearsal_settings: RehearseSettings
) -> Iterator[Stack]:
    """A fresh stack with no instance yet, loaded by the config's workload."""
    from deploycheck.rehearse.stack import rehearsal_stack as started_stack
    from deploycheck.rehearse.workload import ConfiguredWorkload

    workload = ConfiguredWorkload(rehearsal_settings, rehearsal_target.health_path)
    with started_stack(
        rehearsal_target,
        workload,
        extra_env=rehearsal_settings.env,
        dashboard=rehearsal_settings.dashboard,
    ) as stack:
        yield stack
