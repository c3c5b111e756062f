"""The foreign fixture project tests/fixtures/projects/notes, for the modules that rehearse it:
its image, built by the command's own build step and kept under a shared tag, so every module
of a session (and later sessions, until its files change) reuse one build. The CI run's
cleanup removes it."""

from __future__ import annotations

import os
from pathlib import Path

import docker

from deploycheck.rehearse.service_images import build_service
from deploycheck.rehearse.target import DeployTarget
from deploycheck.testing.builds import ImageBuilds

NOTES = Path(__file__).parents[2] / "fixtures" / "projects" / "notes"
DEFAULT_PYTHON_IMAGE = "python:3.11-slim-bookworm"


def notes_target() -> DeployTarget:
    return DeployTarget.from_blueprint(NOTES / "render.yaml")


def notes_image(report_dir: Path) -> str:
    """The notes web service's image (built once, then reused); its reference."""
    target = notes_target()
    python_image = os.environ.get("PYTHON_IMAGE") or DEFAULT_PYTHON_IMAGE
    client = docker.from_env(timeout=600)
    try:
        builds = ImageBuilds(
            client,
            report_dir / "build",
            dockerfile=target.dockerfile_in_context,
            buildargs={"PYTHON_IMAGE": python_image},
        )
        return build_service(builds, target, NOTES, keep=True)
    finally:
        client.close()
