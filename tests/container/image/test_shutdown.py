"""`docker stop` (what Render does on deploy and scale-down) ends the app gracefully."""

from __future__ import annotations

import pytest

from deploycheck.targets.image import Image
from deploycheck.testing.container import AppEnv, running_app
from deploycheck.testing.image_report import ImageReport

pytestmark = pytest.mark.container

# Render sends SIGTERM and kills the instance 30 s later; docker stop uses the same timeout.
RENDER_KILL_TIMEOUT = 30
SIGKILL_EXIT_CODE = 137


def test_docker_stop_exits_cleanly_on_sigterm(
    app_image: Image, migrated_env: AppEnv, image_report: ImageReport
) -> None:
    container = migrated_env.container(app_image.ref)
    with running_app(container):
        seconds, exit_code = container.stop_and_time(timeout=RENDER_KILL_TIMEOUT)
    image_report.run_seconds["docker stop"] = seconds
    # Exit code 0, not 137 (SIGKILL), proves gunicorn handled SIGTERM before the kill timeout;
    # the seconds are reported, not asserted, so a slow host cannot make this flaky.
    assert exit_code == 0, (
        f"expected `docker stop` to end {app_image.ref} with exit code 0 (graceful SIGTERM), "
        f"got {exit_code}{' (killed after the timeout)' if exit_code == SIGKILL_EXIT_CODE else ''} "
        f"after {seconds:.1f} s"
    )
