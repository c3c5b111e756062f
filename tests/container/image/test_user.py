"""The app runs as a non-root user that cannot rewrite its own code."""

from __future__ import annotations

import docker
import pytest

from deploycheck.rules.image import check_code_not_writable, check_runtime_user, check_user
from deploycheck.targets.image import FileEntry, Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.builds import TEST_LABELS
from deploycheck.testing.container import AppContainer

pytestmark = pytest.mark.container


@pytest.fixture(scope="module")
def image_uid(docker_client: docker.DockerClient, app_image: Image) -> int:
    """The uid the image's configured user resolves to (``id -u`` in a one-off container, so
    the file checks do not depend on the app starting)."""
    output = docker_client.containers.run(
        app_image.id, ["id", "-u"], remove=True, labels=TEST_LABELS
    )
    return int(output.decode())


def test_image_config_names_a_non_root_user(app_image: Image) -> None:
    assert_clean(check_user(app_image), f"{app_image.ref}'s config User (IMG002)")


def test_container_and_gunicorn_run_as_non_root(app_container: AppContainer) -> None:
    where = f"container of {app_container.image}"
    code, output = app_container.exec(["id", "-u"])
    assert code == 0, f"expected `id -u` to run in the {where}, got {code}: {output!r}"
    assert app_container.gunicorn_workers(), f"expected gunicorn workers in the {where}, found none"
    assert_clean(check_runtime_user(where, int(output.decode()), app_container.processes()), where)


def test_code_is_not_writable_by_the_runtime_user(
    app_image: Image, image_files: list[FileEntry], image_uid: int
) -> None:
    assert_clean(
        check_code_not_writable(app_image, image_files, image_uid),
        f"{app_image.ref}'s /app for uid {image_uid} (IMG006)",
    )


@pytest.mark.parametrize(
    ("path", "writable"),
    [("/app/app/x", False), ("/app/x", False), ("/app/logs/x", True)],
)
def test_only_the_logs_directory_is_writable_at_runtime(
    app_container: AppContainer, path: str, writable: bool
) -> None:
    code, output = app_container.exec(["sh", "-c", f"touch {path} && rm {path}"])
    expected = "succeed" if writable else "fail"
    assert (code == 0) is writable, (
        f"expected `touch {path}` as the app user to {expected} in {app_container.image}, "
        f"got exit code {code}: {output.decode(errors='replace').strip()}"
    )
