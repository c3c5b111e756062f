"""Fixtures for the image checks, in layers: ``image_builds`` (every image built here, removed
at the end) -> ``app_build`` / ``app_image`` (Dockerfile.render, built once) -> facts
(``image_files``, ``image_report``) -> ``app_env`` (production settings on the session's
PostgreSQL and Redis) -> ``app_container`` (one running app for the read-only checks)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import docker
import psycopg
import pytest
from psycopg import sql
from testcontainers.core.network import Network

from deploycheck.rules.image import SizeBudget, is_official_python
from deploycheck.targets.image import BuildResult, FileEntry, Image
from deploycheck.testing.builds import ImageBuilds
from deploycheck.testing.container import AppContainer, AppEnv, AppSecrets, running_app
from deploycheck.testing.engine import ensure_image
from deploycheck.testing.image import read_files, read_image
from deploycheck.testing.image_report import ImageReport
from deploycheck.testing.services import PostgresService, RedisService
from tests.app_helpers import PRODUCTION_ORIGIN

# The seed's "~150 MB" is what the app brings: the official slim base alone is ~125 MB, so a
# whole-image budget of 150 MB could not be met by any Flask + PostgreSQL app on it.
DEFAULT_SIZE_BUDGET_MB = "150"
DEFAULT_TOTAL_BUDGET_MB = "275"
REPORT_KEY = pytest.StashKey[ImageReport]()
# The production image and the base it names (PYTHON_IMAGE overrides it: a stand-in offline).
DOCKERFILE = "Dockerfile.render"
DEFAULT_PYTHON_IMAGE = "python:3.11-slim-bookworm"
# render.yaml's preDeployCommand.
MIGRATE_COMMAND = "flask db upgrade"
APP_DB_ROLE = "gradetracker_app"
APP_DB_NAME = "gradetracker_image"


@pytest.fixture(scope="session")
def python_image(docker_engine: None) -> str:
    """The base image: PYTHON_IMAGE (a local stand-in when offline), else the official one."""
    name = os.environ.get("PYTHON_IMAGE") or DEFAULT_PYTHON_IMAGE
    ensure_image(name)
    return name


@pytest.fixture(scope="session")
def image_builds(
    docker_client: docker.DockerClient, python_image: str, report_dir: Path
) -> Iterator[ImageBuilds]:
    """The builder every test uses; its images are removed at the end of the session."""
    builds = ImageBuilds(
        docker_client,
        report_dir / "build",
        dockerfile=DOCKERFILE,
        buildargs={"PYTHON_IMAGE": python_image},
    )
    yield builds
    builds.remove_all()


@pytest.fixture(scope="session")
def app_build(image_builds: ImageBuilds, project_root: Path) -> BuildResult:
    """Dockerfile.render built from the repository root, once per CI run: kept for the deploy
    rehearsal and the benchmark, which reuse it (its tag is the hash of its inputs)."""
    return image_builds.build("app", project_root, keep=True)


@pytest.fixture(scope="session")
def app_image(app_build: BuildResult) -> Image:
    """The production image."""
    return app_build.image


@pytest.fixture(scope="session")
def base_image(docker_client: docker.DockerClient, python_image: str) -> Image:
    """The image Dockerfile.render builds on."""
    return read_image(docker_client, python_image)


@pytest.fixture(scope="session")
def size_budget(python_image: str, base_image: Image) -> SizeBudget:
    """IMAGE_SIZE_BUDGET_MB for what Dockerfile.render adds; IMAGE_TOTAL_BUDGET_MB for the
    whole image too, on the official base only (from Docker Hub or a mirror of it; a stand-in
    base is not what ships)."""
    added = float(os.environ.get("IMAGE_SIZE_BUDGET_MB") or DEFAULT_SIZE_BUDGET_MB)
    total = float(os.environ.get("IMAGE_TOTAL_BUDGET_MB") or DEFAULT_TOTAL_BUDGET_MB)
    official = is_official_python(python_image, base_image.config.get("Labels"))
    return SizeBudget(added, base_image, total if official else None)


@pytest.fixture(scope="session")
def image_files(docker_client: docker.DockerClient, app_image: Image) -> list[FileEntry]:
    """Every path in the production image."""
    return list(read_files(docker_client, app_image))


@pytest.fixture(scope="session")
def image_report(
    pytestconfig: pytest.Config,
    app_build: BuildResult,
    base_image: Image,
    report_dir: Path,
) -> Iterator[ImageReport]:
    """The image report; tests add what they measure, the session writes it at the end."""
    report = ImageReport()
    report.record_image(app_build.image, base_image)
    if app_build.reused:
        warmth = "reused, built earlier from the same inputs"
    else:
        warmth = "warm cache" if app_build.step("pip install").cached else "cold cache"
    report.build_seconds[f"Dockerfile.render ({warmth})"] = app_build.seconds
    pytestconfig.stash[REPORT_KEY] = report
    yield report
    report.write(report_dir)


@pytest.fixture(scope="session")
def app_secrets() -> AppSecrets:
    """This run's production secrets."""
    return AppSecrets()


@pytest.fixture(scope="session")
def app_database_url(postgres: PostgresService, app_secrets: AppSecrets) -> str:
    """A database of its own in the session's PostgreSQL, owned by a non-superuser role with
    this run's database password, so other suites' resets cannot touch it. Given in the
    ``postgresql://`` form Render uses."""
    role, database = sql.Identifier(APP_DB_ROLE), sql.Identifier(APP_DB_NAME)
    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                role, sql.Literal(app_secrets.db_password)
            )
        )
        connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(database, role))
    credentials = f"{APP_DB_ROLE}:{quote(app_secrets.db_password, safe='')}"
    return f"postgresql://{credentials}@{postgres.alias}:{postgres.port}/{APP_DB_NAME}"


@pytest.fixture(scope="session")
def app_env(
    network: Network, app_database_url: str, redis: RedisService, app_secrets: AppSecrets
) -> AppEnv:
    """Production settings on the session's services, for any app container."""
    return AppEnv(network, app_database_url, redis.network_url(), app_secrets, PRODUCTION_ORIGIN)


@pytest.fixture(scope="session")
def known_secrets(app_secrets: AppSecrets, postgres: PostgresService) -> list[str]:
    """Every secret value of this run, to look for where none may appear."""
    return [*app_secrets.values(), postgres.password]


@pytest.fixture(scope="session")
def migrated_env(app_image: Image, app_env: AppEnv) -> AppEnv:
    """``app_env`` with its database migrated to head by the image's own `flask db upgrade`,
    once for every container of the session that runs on it."""
    app_env.migrate(app_image.ref, MIGRATE_COMMAND)
    return app_env


@pytest.fixture(scope="session")
def app_container(
    app_image: Image, migrated_env: AppEnv, image_report: ImageReport
) -> Iterator[AppContainer]:
    """The production image, migrated and healthy, shared by the read-only checks."""
    container = migrated_env.container(app_image.ref)
    with running_app(container) as seconds:
        image_report.run_seconds["start to healthy (session container)"] = seconds
        yield container


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the image report's headline numbers after the test results."""
    report = terminalreporter.config.stash.get(REPORT_KEY, None)
    if report is not None:
        terminalreporter.write_sep("-", "image report")
        for line in report.summary_lines():
            terminalreporter.write_line(line)
