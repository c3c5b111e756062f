"""Fixtures for gradetracker's deploy rehearsal: the images (v1 from the repository, v2 and
broken variants from edited copies) and a fresh stack per scenario with gradetracker's
workload. The machinery and the generic fixtures (``rehearsal_target``, ``rehearsal_settings``,
``rehearsal_report``, ``rehearsal_scenario``) are deploycheck's (:mod:`deploycheck.rehearse`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from deploycheck.rehearse.settings import RehearseSettings
from deploycheck.rehearse.stack import Stack, rehearsal_stack
from deploycheck.rehearse.target import DeployTarget
from deploycheck.testing.builds import ImageBuilds, copy_build_context
from deploycheck.testing.engine import ensure_image
from tests.container.deploy.workload import GradetrackerWorkload

DEFAULT_PYTHON_IMAGE = "python:3.11-slim-bookworm"
Edit = Callable[[Path], None]


@pytest.fixture(scope="session")
def image_builds(
    docker_engine: None, report_dir: Path, rehearsal_target: DeployTarget
) -> Iterator[ImageBuilds]:
    """Every image the rehearsal builds (the Blueprint's dockerfilePath), removed at the end
    of the session."""
    python_image = os.environ.get("PYTHON_IMAGE") or DEFAULT_PYTHON_IMAGE
    ensure_image(python_image)
    client = docker.from_env(timeout=600)
    builds = ImageBuilds(
        client,
        report_dir / "build",
        dockerfile=rehearsal_target.dockerfile_in_context,
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


@pytest.fixture
def stack(
    docker_engine: None, rehearsal_target: DeployTarget, rehearsal_settings: RehearseSettings
) -> Iterator[Stack]:
    """A fresh stack (network, PostgreSQL, Redis, balancer) with no instance yet, loaded by
    gradetracker's workload, with the config's env and dashboard values."""
    workload = GradetrackerWorkload(setup_command=rehearsal_settings.setup)
    with rehearsal_stack(
        rehearsal_target,
        workload,
        extra_env=rehearsal_settings.env,
        dashboard=rehearsal_settings.dashboard,
    ) as started:
        yield started
