"""Docker's health check tells Render the truth: healthy with its services, unhealthy without
its database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests
from testcontainers.core.network import Network

from deploycheck.rules.image import check_healthcheck
from deploycheck.targets.image import Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.container import AppContainer, AppEnv, AppSecrets, running_app
from deploycheck.testing.image_report import ImageReport
from deploycheck.testing.services import PostgresService
from tests.container.image.conftest import MIGRATE_COMMAND

pytestmark = pytest.mark.container

SECONDS = 1_000_000_000
# The seed's numbers: start period 40 s, restart after 3 failed probes.
EXPECTED_TIMING = {"StartPeriod": 40 * SECONDS, "Retries": 3}


@pytest.fixture(scope="module")
def health_stack(
    app_image: Image,
    app_env: AppEnv,
    network: Network,
    app_secrets: AppSecrets,
    image_report: ImageReport,
) -> Iterator[tuple[AppContainer, PostgresService]]:
    """The app on a PostgreSQL of its own (alias postgres-health), so stopping that database
    leaves the session's one alone; migrated first, then started and healthy."""
    postgres = PostgresService(password=app_secrets.db_password)
    with postgres.with_network(network, "postgres-health"):
        env = replace(app_env, database_url=postgres.network_url(driver=None))
        env.migrate(app_image.ref, MIGRATE_COMMAND)
        container = env.container(app_image.ref)
        with running_app(container) as seconds:
            image_report.run_seconds["start to healthy (own database)"] = seconds
            yield container, postgres


def test_image_healthcheck_probes_health_with_render_timing(app_image: Image) -> None:
    assert_clean(check_healthcheck(app_image), f"{app_image.ref}'s HEALTHCHECK (IMG003)")
    health = app_image.healthcheck or {}
    found = {key: health.get(key) for key in EXPECTED_TIMING}
    assert found == EXPECTED_TIMING, (
        f"expected {app_image.ref}'s HEALTHCHECK timing {EXPECTED_TIMING} (nanoseconds), "
        f"found {found}"
    )


def test_container_becomes_healthy_with_real_services(
    health_stack: tuple[AppContainer, PostgresService],
) -> None:
    container, _ = health_stack
    container.wait_for_health("healthy", timeout=60)
    response = requests.get(f"{container.base_url}/health", timeout=10)
    assert (response.status_code, response.json()["status"]) == (200, "ok"), (
        f"expected GET {container.base_url}/health to answer 200 with status ok, "
        f"got {response.status_code}: {response.text}"
    )


def test_container_turns_unhealthy_when_the_database_stops(
    health_stack: tuple[AppContainer, PostgresService],
) -> None:
    container, postgres = health_stack
    container.wait_for_health("healthy", timeout=60)
    with postgres.stopped():
        container.wait_for_health("unhealthy", timeout=60)
        response = requests.get(f"{container.base_url}/health", timeout=10)
    body = response.json()
    assert (response.status_code, body.get("database") == "ok") == (503, False), (
        f"expected GET /health to answer 503 naming the database while {postgres.alias} is "
        f"stopped, got {response.status_code}: {body}"
    )
