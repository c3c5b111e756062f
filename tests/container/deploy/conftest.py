"""Fixtures for gradetracker's deploy rehearsal: the images (v1 from the repository, v2 and
broken variants from edited copies) and a fresh stack per scenario with gradetracker's
workload. The machinery and the generic fixtures (``rehearsal_target``, ``rehearsal_settings``,
``rehearsal_report``, ``rehearsal_scenario``) are deploycheck's (:mod:`deploycheck.rehearse`)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import docker
import pytest

from deploycheck.rehearse.datastores import SharedDatastores
from deploycheck.rehearse.settings import RehearseSettings
from deploycheck.rehearse.stack import Stack, rehearsal_stack
from deploycheck.rehearse.target import DeployTarget
from deploycheck.testing.builds import ImageBuilds, copy_build_context
from deploycheck.testing.engine import ensure_image
from tests.container.deploy import versions
from tests.container.deploy.workload import GradetrackerWorkload

DEFAULT_PYTHON_IMAGE = "python:3.11-slim-bookworm"
# Variant builds share v1's layers and mostly wait on the engine: two at a time.
BUILD_THREADS = 2
Edit = Callable[[Path], None]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "own_datastores: the scenario stops, pauses or cuts a datastore, so its stack gets "
        "servers of its own instead of fresh databases on the shared ones",
    )


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
    image_builds: ImageBuilds,
    tmp_path_factory: pytest.TempPathFactory,
    project_root: Path,
    v1_image: str,
) -> Iterator[Callable[[str, Edit], str]]:
    """Build a copy of the repository changed by ``edit`` (once per name); the image ref.
    When a test of the session builds variants, every variant of versions.VARIANTS starts
    building at once, in threads on top of v1's layers, while the first scenarios run."""
    lock = threading.Lock()
    builds: dict[str, tuple[Edit, Future[str]]] = {}

    def build(name: str, edit: Edit, directory: Path) -> str:
        context = copy_build_context(project_root, directory / "repo")
        edit(context)
        return image_builds.build(f"rehearsal-{name}", context).image.ref

    def start(pool: ThreadPoolExecutor, name: str, edit: Edit) -> Future[str]:
        with lock:
            if name not in builds:
                builds[name] = edit, pool.submit(build, name, edit, tmp_path_factory.mktemp(name))
            if builds[name][0] is not edit:
                raise ValueError(f"variant {name!r} is built from {builds[name][0].__name__}")
            return builds[name][1]

    with ThreadPoolExecutor(max_workers=BUILD_THREADS) as pool:
        for name, edit in versions.VARIANTS.items():
            start(pool, name, edit)
        yield lambda name, edit: start(pool, name, edit).result()


@pytest.fixture(scope="session")
def shared_datastores(
    docker_engine: None, rehearsal_target: DeployTarget
) -> Iterator[SharedDatastores]:
    """One PostgreSQL and one Redis for the scenarios that do not stop or cut them."""
    with SharedDatastores(rehearsal_target) as shared:
        yield shared


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    docker_engine: None,
    rehearsal_target: DeployTarget,
    rehearsal_settings: RehearseSettings,
) -> Iterator[Stack]:
    """A fresh stack (network, PostgreSQL, Redis, balancer) with no instance yet, loaded by
    gradetracker's workload, with the config's env and dashboard values: fresh databases on
    the shared servers, or servers of its own for a test marked ``own_datastores``."""
    own = request.node.get_closest_marker("own_datastores") is not None
    workload = GradetrackerWorkload(setup_command=rehearsal_settings.setup)
    with rehearsal_stack(
        rehearsal_target,
        workload,
        extra_env=rehearsal_settings.env,
        dashboard=rehearsal_settings.dashboard,
        shared=None if own else request.getfixturevalue("shared_datastores"),
        scenario=request.node.nodeid,
    ) as started:
        yield started
