"""The image holds what production needs and nothing that must stay out: no development or
secret files, no secret values in its metadata, and the pre-deploy command's program."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from deploycheck.rules.crossfile import predeploy_executable
from deploycheck.rules.image import (
    check_forbidden_files,
    check_secrets_in_layers,
    check_secrets_in_metadata,
)
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.image import FileEntry, Image
from deploycheck.testing.assertions import assert_clean
from deploycheck.testing.container import AppContainer
from deploycheck.testing.image import read_layer_files

pytestmark = pytest.mark.container


@pytest.mark.checklist(1)
def test_image_holds_no_development_or_secret_files(
    app_image: Image, image_files: list[FileEntry]
) -> None:
    assert_clean(
        check_forbidden_files(app_image, image_files), f"{app_image.ref}'s filesystem (IMG005)"
    )


@pytest.mark.checklist(1)
def test_image_metadata_holds_no_secret_values(app_image: Image, known_secrets: list[str]) -> None:
    assert_clean(
        check_secrets_in_metadata(app_image, known_secrets),
        f"{app_image.ref}'s env and docker history (IMG007)",
    )


@pytest.mark.checklist(1)
def test_no_layer_holds_a_secret_file(
    docker_client: docker.DockerClient,
    app_image: Image,
    base_image: Image,
    known_secrets: list[str],
) -> None:
    files = read_layer_files(docker_client, app_image, skip=len(base_image.diff_ids))
    assert_clean(
        check_secrets_in_layers(app_image, files, known_secrets),
        f"{app_image.ref}'s layers, deleted files included (IMG009)",
    )


def test_predeploy_command_program_is_in_the_image(
    app_container: AppContainer, project_root: Path
) -> None:
    blueprint = Blueprint.load(project_root / "render.yaml")
    web = blueprint.web_service
    command = str(web.get("preDeployCommand") or "") if web else ""
    program = predeploy_executable(command)
    assert program, (
        f"expected render.yaml's web service to have a preDeployCommand, found {command!r}"
    )
    code, output = app_container.exec(["sh", "-c", f'command -v "{program}"'])
    assert code == 0, (
        f"expected {program!r} (from preDeployCommand {command!r}) on the PATH of "
        f"{app_container.image}, `command -v` found nothing"
    )
