"""Builds for the container suite: unique test tags, kept logs, cleanup, editable contexts.

Every image the suite builds goes through one :class:`ImageBuilds`, so removing them all at the
end of a run (disk is shared on CI hosts) is one call, whatever passed or failed.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

import docker
from docker.errors import ImageNotFound

from deploycheck.testing.image import BuildResult, build_image

TEST_REPOSITORY = "deploycheck-test"
# On every image and container the suites create, so a CI host can remove what a run left
# behind: `docker ps --all --filter label=io.deploycheck.test=true`.
TEST_LABEL = "io.deploycheck.test"
TEST_LABELS = {TEST_LABEL: "true"}
# Left out when copying the repository as a build context: VCS data, tool state and outputs
# at the top level, caches anywhere.
CONTEXT_SKIP_TOP = frozenset({".git", ".tox", ".venv", "venv", "reports"})
CONTEXT_SKIP_ANYWHERE = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})


class ImageBuilds:
    """Builds images for real under unique ``deploycheck-test:`` tags, by default from the
    project's ``dockerfile`` with the session's ``buildargs`` (a base image chosen by an env
    var, say), keeps each build log in ``log_dir``, and removes them all."""

    def __init__(
        self,
        client: docker.DockerClient,
        log_dir: Path,
        *,
        dockerfile: str,
        buildargs: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self.log_dir = log_dir
        self.dockerfile = dockerfile
        self.buildargs = dict(buildargs or {})
        self.tags: list[str] = []

    def build(
        self,
        name: str,
        context: Path,
        *,
        dockerfile: str | None = None,
        buildargs: Mapping[str, str] | None = None,
    ) -> BuildResult:
        """Build ``dockerfile`` (relative to ``context``; default: the session's) with the
        session's build args updated by ``buildargs``; the log goes to ``<name>.log``."""
        tag = f"{TEST_REPOSITORY}:{name}-{secrets.token_hex(4)}"
        self.tags.append(tag)
        return build_image(
            self.client,
            context,
            dockerfile=dockerfile or self.dockerfile,
            tag=tag,
            buildargs={**self.buildargs, **(buildargs or {})},
            labels=TEST_LABELS,
            log_path=self.log_dir / f"{name}.log",
        )

    def remove_all(self) -> None:
        """Remove every image built here (and the layers only it used); newest first, since a
        later build may sit on an earlier one's layers."""
        for tag in reversed(self.tags):
            with contextlib.suppress(ImageNotFound):
                self.client.images.remove(tag, force=True)
        self.tags.clear()


def copy_build_context(source: Path, target: Path) -> Path:
    """Copy the repository at ``source`` to ``target`` for a build that edits files, leaving
    out VCS data, tool state and reports (the copy's .dockerignore still applies)."""

    def skipped(directory: str, names: list[str]) -> set[str]:
        top = CONTEXT_SKIP_TOP if Path(directory) == source else frozenset()
        return {name for name in names if name in top or name in CONTEXT_SKIP_ANYWHERE}

    shutil.copytree(source, target, ignore=skipped, symlinks=True)
    return target
