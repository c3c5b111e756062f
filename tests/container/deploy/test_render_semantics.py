"""Render's documented runtime behaviour, as the rehearsal emulates it, measured on real
containers (the notes fixture's image): each test fails if the emulation drifts from the fact
it cites.

- render.com/docs/health-checks: without a healthCheckPath, a TCP connection to the port;
  about 60 s of failed checks restart a running instance (here on the compressed clock);
- render.com/docs/blueprint-spec (maxShutdownDelaySeconds) and render.com/docs/deploys: SIGTERM,
  then SIGKILL once the shutdown delay has passed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploycheck.rehearse.balancer import COMPRESSION, RENDER_RESTART_S
from deploycheck.rehearse.deploys import rolling_deploy
from deploycheck.rehearse.faults import postgres_stopped
from deploycheck.rehearse.load import PathsWorkload
from deploycheck.rehearse.restarts import RESTART_AFTER_S, Restarts
from deploycheck.rehearse.stack import Stack, rehearsal_stack
from deploycheck.rehearse.target import DeployTarget
from tests.container.deploy import notes_project

pytestmark = [pytest.mark.container, pytest.mark.slow]

# A server that accepts TCP connections and never speaks HTTP: healthy to a TCP probe only.
TCP_ONLY = (
    "python -c \"import socket; s = socket.create_server(('', 10000)); "
    '[s.accept()[0].close() for _ in iter(int, 1)]"'
)
SHORT_WINDOW = 3
# Long enough for the server to start and pass CHECK_RISE checks.
WATCH_SECONDS = 20.0


@pytest.fixture(scope="module")
def notes_image(docker_engine: None, report_dir: Path) -> str:
    return notes_project.notes_image(report_dir)


@pytest.fixture
def stack(docker_engine: None) -> Iterator[Stack]:
    with rehearsal_stack(notes_project.notes_target(), PathsWorkload(["/"])) as started:
        yield started


def without_database(health_path: str | None) -> DeployTarget:
    """The notes service with no database, and ``health_path`` as its healthCheckPath."""
    target = notes_project.notes_target()
    return dataclasses.replace(target, health_path=health_path, postgres_versions=())


@pytest.mark.parametrize(("health_path", "routed"), [(None, True), ("/healthz", False)])
def test_without_a_health_path_an_open_port_is_healthy(
    docker_engine: None, notes_image: str, health_path: str | None, routed: bool
) -> None:
    with rehearsal_stack(without_database(health_path), PathsWorkload(["/"])) as stack:
        stack.route(stack.fleet.start("tcp", notes_image, command=TCP_ONLY), wait=False)
        deadline = time.monotonic() + WATCH_SECONDS
        while not (up := stack.balancer.servers()["tcp"].up) and time.monotonic() < deadline:
            time.sleep(0.5)

    assert up is routed


def test_an_instance_failing_its_checks_is_restarted_after_the_compressed_60_s(
    stack: Stack, notes_image: str
) -> None:
    stack.deploy_first(notes_image)
    with Restarts(stack) as restarts, postgres_stopped(stack):
        down = stack.balancer.wait_until("v1", up=False, timeout=30)
        went_down = time.monotonic()
        deadline = went_down + 3 * RESTART_AFTER_S
        while not restarts.restarted and time.monotonic() < deadline:
            time.sleep(0.25)
        waited = time.monotonic() - went_down

    assert restarts.restarted, f"v1 was down {waited:.0f} s and never restarted ({down=:.1f})"
    # Down once its checks failed for ~3 s; restarted once they failed for RESTART_AFTER_S
    # (a loaded host's engine and checks lag by seconds; Render's own 60 s would not fit).
    assert RESTART_AFTER_S - 1.5 <= waited <= RESTART_AFTER_S + 6, restarts.restarted
    assert RESTART_AFTER_S * COMPRESSION == RENDER_RESTART_S


def test_an_instance_ignoring_sigterm_is_killed_after_the_shutdown_delay(
    docker_engine: None, notes_image: str
) -> None:
    target = dataclasses.replace(notes_project.notes_target(), shutdown_window=SHORT_WINDOW)
    with rehearsal_stack(target, PathsWorkload(["/"])) as stack:
        v1 = stack.deploy_first(notes_image, {"ON_SIGTERM": "ignore"})
        _, stopped = rolling_deploy(stack, v1, notes_image)

    assert stopped.exit_code == 137, "SIGKILL (128 + 9) once the window passed"
    assert SHORT_WINDOW <= stopped.seconds <= SHORT_WINDOW + 3, stopped
