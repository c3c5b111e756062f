"""Builds for the container suite: content-addressed tags, kept logs, cleanup, editable contexts.

Every image the suite builds goes through one :class:`ImageBuilds`, so removing them all at the
end of a run (disk is shared on CI hosts) is one call, whatever passed or failed.

A build is known by the hash of what decides the image (:func:`build_key`): the Dockerfile, the
files of the context that ``.dockerignore`` lets through, the build args and the ids of the
local images they name. A build from the same inputs as an earlier one of the session, or as a
kept one (tagged with the hash), is reused, not rebuilt: the container suite keeps its build of
the project (``keep=True``) so that the deploy rehearsal and the benchmark, run after it, start
from it instead of building it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

import docker
from docker.errors import ImageNotFound
from docker.utils.build import exclude_paths

from deploycheck.testing.image import BuildResult, build_image, read_image

TEST_REPOSITORY = "deploycheck-test"
# On every image and container the suites create, so a CI host can remove what a run left
# behind: `docker ps --all --filter label=io.deploycheck.test=true`.
TEST_LABEL = "io.deploycheck.test"
TEST_LABELS = {TEST_LABEL: "true"}
# On a kept build: which Dockerfile and context it was built from, so the next kept build of
# the same source replaces it (one kept image per source on a laptop, not one per change).
SOURCE_LABEL = "io.deploycheck.build.source"
_IMAGE_WORD = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)
# Left out when copying the repository as a build context: VCS data, tool state and outputs
# at the top level, caches anywhere.
CONTEXT_SKIP_TOP = frozenset({".git", ".tox", ".venv", "venv", "reports"})
CONTEXT_SKIP_ANYWHERE = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})


class ImageBuilds:
    """Builds images for real under ``deploycheck-test:`` tags, by default from the
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
        # Build key -> tag of every image built here, kept or not.
        self.built: dict[str, str] = {}

    def build(
        self,
        name: str,
        context: Path,
        *,
        dockerfile: str | None = None,
        buildargs: Mapping[str, str] | None = None,
        keep: bool = False,
    ) -> BuildResult:
        """Build ``dockerfile`` (relative to ``context``; default: the session's) with the
        session's build args updated by ``buildargs``; the log goes to ``<name>.log``. An
        image built from the same inputs before is reused. ``keep`` leaves the image for
        later sessions (the CI run's cleanup removes it), replacing the source's older one."""
        dockerfile = dockerfile or self.dockerfile
        args = {**self.buildargs, **(buildargs or {})}
        key = build_key(self.client, context, dockerfile, args)
        shared_tag = f"{TEST_REPOSITORY}:{key[:20]}"
        log_path = self.log_dir / f"{name}.log"
        earlier = self.built.get(key) or (shared_tag if self._kept(shared_tag) else None)
        if earlier is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text(f"reused {earlier}: built earlier from the same inputs\n")
            return BuildResult(read_image(self.client, earlier), 0.0, reused=True)
        # A build that is not kept has a tag of its own: another session building the same
        # inputs at the same time (two checkouts on one laptop) cannot remove it.
        tag = shared_tag if keep else f"{TEST_REPOSITORY}:{name}-{secrets.token_hex(4)}"
        source = hashlib.sha256(f"{context.resolve()}\0{dockerfile}".encode()).hexdigest()[:20]
        result = build_image(
            self.client,
            context,
            dockerfile=dockerfile,
            tag=tag,
            buildargs=args,
            labels={**TEST_LABELS, SOURCE_LABEL: source} if keep else TEST_LABELS,
            log_path=log_path,
        )
        self.built[key] = tag
        if keep:
            self._remove_older(source, result.image.id)
        else:
            self.tags.append(tag)
        return result

    def _kept(self, tag: str) -> bool:
        """A kept build under ``tag``, from this session or an earlier one."""
        try:
            labels = self.client.images.get(tag).labels
        except ImageNotFound:
            return False
        return SOURCE_LABEL in labels

    def _remove_older(self, source: str, current: str) -> None:
        for image in self.client.images.list(filters={"label": f"{SOURCE_LABEL}={source}"}):
            if image.id != current:
                with contextlib.suppress(docker.errors.APIError):
                    self.client.images.remove(image.id, force=True)

    def remove_all(self) -> None:
        """Remove every image built here (and the layers only it used) but the kept ones;
        newest first, since a later build may sit on an earlier one's layers."""
        for tag in reversed(self.tags):
            with contextlib.suppress(ImageNotFound):
                self.client.images.remove(tag, force=True)
        self.built = {k: t for k, t in self.built.items() if t not in self.tags}
        self.tags.clear()


def build_key(
    client: docker.DockerClient, context: Path, dockerfile: str, buildargs: Mapping[str, str]
) -> str:
    """The hash of what a build's image depends on: the Dockerfile, every file of the context
    that ``.dockerignore`` lets through (path, mode, content), the build args and the ids of
    the local images its FROM lines name (so a rebuilt base makes a new key)."""
    digest = hashlib.sha256()
    text = (context / dockerfile).read_text(encoding="utf-8")
    digest.update(f"dockerfile {dockerfile}\0{text}\0".encode())
    ignore = context / ".dockerignore"
    patterns = ignore.read_text().splitlines() if ignore.is_file() else []
    patterns = [p.strip() for p in patterns if p.strip() and not p.startswith("#")]
    for relative in sorted(exclude_paths(str(context), patterns, dockerfile)):
        path = context / relative
        if path.is_file() and not path.is_symlink():
            digest.update(f"file {relative} {path.stat().st_mode:o}\0".encode())
            digest.update(path.read_bytes())
        else:
            digest.update(f"entry {relative}\0".encode())
    for arg, value in sorted(buildargs.items()):
        digest.update(f"arg {arg}={value}\0".encode())
    for word in _IMAGE_WORD.findall(text):
        for arg, value in buildargs.items():
            word = word.replace(f"${{{arg}}}", value).replace(f"${arg}", value)
        with contextlib.suppress(ImageNotFound, docker.errors.APIError):
            digest.update(f"base {word} {client.images.get(word).id}\0".encode())
    return digest.hexdigest()


def copy_build_context(source: Path, target: Path) -> Path:
    """Copy the repository at ``source`` to ``target`` for a build that edits files, leaving
    out VCS data, tool state and reports (the copy's .dockerignore still applies)."""

    def skipped(directory: str, names: list[str]) -> set[str]:
        top = CONTEXT_SKIP_TOP if Path(directory) == source else frozenset()
        return {name for name in names if name in top or name in CONTEXT_SKIP_ANYWHERE}

    shutil.copytree(source, target, ignore=skipped, symlinks=True)
    return target
