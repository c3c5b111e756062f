"""Fixtures for the deploy rehearsal: the Blueprint's web service, the images (v1 from the
repository, v2 and broken variants from edited copies), a fresh stack per scenario, and the
rehearsal report written at the end of the session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from deploycheck.testing.builds import ImageBuilds, copy_build_context
from deploycheck.testing.engine import ensure_image
from tests.container.deploy.report import CHART_DIR, RehearsalReport, ScenarioResult
from tests.container.deploy.stack import Stack, rehearsal_stack
from tests.container.deploy.target import DeployTarget

DEFAULT_PYTHON_IMAGE = "python:3.11-slim-bookworm"
DOCKERFILE = "Dockerfile.render"
OUTCOME = pytest.StashKey[bool]()
Edit = Callable[[Path], None]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[OUTCOME] = report.passed
    return report


@pytest.fixture(scope="session")
def target(project_root: Path) -> DeployTarget:
    """render.yaml's web service: plan limits, health path, pre-deploy command, env rules."""
    return DeployTarget.from_blueprint(project_root / "render.yaml")


@pytest.fixture(scope="session")
def image_builds(docker_engine: None, report_dir: Path) -> Iterator[ImageBuilds]:
    """Every image the rehearsal builds, removed at the end of the session."""
    python_image = os.environ.get("PYTHON_IMAGE") or DEFAULT_PYTHON_IMAGE
    ensure_image(python_image)
    client = docker.from_env(timeout=600)
    builds = ImageBuilds(
        client,
        report_dir / "build",
        dockerfile=DOCKERFILE,
        buildargs={"PYTHON_IMAGE": python_image},
    )
    yield builds
    builds.remove_all()
    client.close()


@pytest.fixture(scope="session")
def v1_image(image_builds: ImageBuilds, project_root: Path) -> str:
    """The repository's Dockerfile.render: the version that serves before a deploy."""
    return image_builds.build("rehearsal-v1", project_root).image.ref


@pytest.fixture(scope="session")
def build_variant(
    image_builds: ImageBuilds, tmp_path_factory: pytest.TempPathFactory, project_root: Path
) -> Callable[[str, Edit], str]:
    """Build a copy of the repository changed by ``edit`` (once per name); the image ref."""
    built: dict[str, str] = {}

    def build(name: str, edit: Edit) -> str:
        if name not in built:
            context = copy_build_context(project_root, tmp_path_factory.mktemp(name) / "repo")
            edit(context)
            built[name] = image_builds.build(f"rehearsal-{name}", context).image.ref
        return built[name]

    return build


@pytest.fixture(scope="session")
def rehearsal_report(report_dir: Path) -> Iterator[RehearsalReport]:
    """The report every scenario adds to; written once, at the end."""
    report = RehearsalReport()
    yield report
    report.write(report_dir)


@pytest.fixture
def scenario(
    request: pytest.FixtureRequest, rehearsal_report: RehearsalReport, report_dir: Path
) -> Iterator[ScenarioResult]:
    """This scenario's record in the report; its verdict is the test's outcome."""
    name = request.node.get_closest_marker("scenario").args[0]
    result = ScenarioResult(name, log_dir=report_dir / CHART_DIR / "logs" / name)
    yield result
    result.verdict = "pass" if request.node.stash.get(OUTCOME, False) else "fail"
    rehearsal_report.scenarios.append(result)


@pytest.fixture
def stack(target: DeployTarget) -> Iterator[Stack]:
    """A fresh stack (network, PostgreSQL, Redis, balancer) with no instance yet."""
    with rehearsal_stack(target) as started:
        yield started


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(name): a deploy rehearsal scenario in the report")
