"""Cross-file rules: ``render.yaml`` agrees with the Dockerfile, the app and requirements.txt.

XF001 holds for any repository: the Dockerfile a service builds from exists (else the build
fails). The others are opt-in, turned on by a project's config: XF002, XF004, XF005 and XF007
read a Flask app's layout (``app/``, ``app/config.py``, requirements.txt); XF003 and XF006 are
conventions (Render never runs the Dockerfile's HEALTHCHECK, and a disk can be prepared by
the start command as well as by the image).

Each finding points at the ``render.yaml`` line to change and names the other file's line that
disagrees. A file a rule needs but cannot find is itself a finding, never a skip: a missing
``app/config.py`` would otherwise make "every env var is declared" pass vacuously.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from deploycheck.findings import Problem
from deploycheck.registry import rule
from deploycheck.targets.blueprint import Blueprint, Resource
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.targets.sourcefacts import (
    Constants,
    EnvRead,
    Place,
    env_reads,
    requirement_names,
    routes,
)

# Set by Render on every service (render.com/docs/environment-variables); PORT too.
RENDER_PROVIDED = frozenset({"PORT", "RENDER", "IS_PULL_REQUEST"})
RENDER_PROVIDED_PREFIX = "RENDER_"
# Read by the interpreter or by tools rather than by the app's code.
READ_OUTSIDE_APP = frozenset({"FLASK_APP", "GUNICORN_CMD_ARGS", "PYTHONUNBUFFERED"})
# Executables every Python image has; anything else must come from requirements or the repo.
BASE_EXECUTABLES = frozenset({"python", "python3", "sh", "bash", "pip"})
ENV_SOURCE_FILES = ("app/config.py", "gunicorn.conf.py")


def predeploy_executable(command: str) -> str | None:
    """The program a ``preDeployCommand`` runs: ``flask`` for ``flask db upgrade``.

    Leading ``NAME=value`` assignments are skipped. The container suite asks the real image
    for this name; the static rule below checks it against requirements.txt.
    """
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return next((w for w in words if "=" not in w.split("/")[0]), None)


@dataclass
class RepoContext:
    """A Blueprint plus the repository it deploys, with the facts rules need, read lazily."""

    blueprint: Blueprint
    root: Path
    _dockerfiles: dict[Path, Dockerfile | None] = field(default_factory=dict, repr=False)

    @property
    def web(self) -> Resource | None:
        return self.blueprint.web_service

    @property
    def health_check_path(self) -> str | None:
        """The web service's ``healthCheckPath``; None without a web service or the key."""
        return (self.web.get("healthCheckPath") if self.web else None) or None

    def service_dir(self, service: Resource | None = None) -> Path:
        """Where ``service``'s (default: the web service's) paths start: root plus rootDir."""
        service = service or self.web
        return self.root / str(service.get("rootDir", ".") if service else ".")

    def located(self, service: Resource | None, relative: str) -> Path:
        """``relative`` under the service's rootDir or, when only there, under the repo root:
        Render's docs say both ("relative to the repo root"; in a monorepo, to rootDir)."""
        under_root_dir = self.service_dir(service) / relative
        return under_root_dir if under_root_dir.exists() else (self.root / relative)

    def dockerfile_path_of(self, service: Resource | None = None) -> Path:
        service = service or self.web
        relative = service.get("dockerfilePath", "./Dockerfile") if service else "./Dockerfile"
        path = self.located(service, str(relative))
        return path if path.exists() else self.service_dir(service) / str(relative)

    def dockerfile_of(self, service: Resource | None = None) -> Dockerfile | None:
        """The parsed Dockerfile ``service`` builds from; ``None`` when it does not exist or
        the service is not built from one (a native ``runtime: node``, say)."""
        service = service or self.web
        if service is not None and service.runtime != "docker":
            return None
        path = self.dockerfile_path_of(service)
        if path not in self._dockerfiles:
            self._dockerfiles[path] = self._parse(path)
        return self._dockerfiles[path]

    @staticmethod
    def _parse(path: Path) -> Dockerfile | None:
        if not path.is_file():
            return None
        dockerfile = Dockerfile(path)
        return dockerfile if dockerfile.stages else None

    @property
    def dockerfile(self) -> Dockerfile | None:
        return self.dockerfile_of(self.web)

    @cached_property
    def app_env_reads(self) -> dict[str, EnvRead]:
        """Every env var the app sources read; a read without a default wins over one with."""
        constants = Constants(self.root / "app")
        reads: dict[str, EnvRead] = {}
        for name in ENV_SOURCE_FILES:
            if (self.root / name).is_file():
                for var, read in env_reads(self.root / name, constants).items():
                    if var not in reads or (reads[var].has_default and not read.has_default):
                        reads[var] = read
        return reads

    @cached_property
    def routes(self) -> dict[str, Place]:
        return routes(self.root / "app") if (self.root / "app").is_dir() else {}

    def relative(self, place: Place | Path) -> str:
        path = place.path if isinstance(place, Place) else place
        shown = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        return f"{shown}:{place.line}" if isinstance(place, Place) else str(shown)


def _built_here(service: Resource) -> bool:
    """A ``runtime: docker`` service built from this repository: not one with ``repo:`` (another
    repository) or ``buildSource:`` (a shared build source), whose files are not here."""
    elsewhere = service.get("repo") or service.get("buildSource")
    return service.runtime == "docker" and not elsewhere


@rule("XF001", target="repo")
def dockerfile_exists(ctx: RepoContext) -> Iterator[Problem]:
    """``dockerfilePath`` and ``dockerContext`` exist, relative to the repo root (or rootDir).

    Checked for every ``runtime: docker`` service built from this repository (a service with
    ``repo:`` builds from another one).
    Passes: ``dockerfilePath: ./Dockerfile.render`` with that file in the repo
    Fails:  ``dockerfilePath: ./Dockerfile.prod`` (Render fails the build)
    """
    for service in ctx.blueprint.services:
        if not _built_here(service):
            continue
        dockerfile = ctx.dockerfile_path_of(service)
        if not dockerfile.is_file():
            yield ctx.blueprint.problem(
                (*service.path, "dockerfilePath"), f"{ctx.relative(dockerfile)} does not exist"
            )
        elif ctx.dockerfile_of(service) is None:
            yield ctx.blueprint.problem(
                (*service.path, "dockerfilePath"), f"{ctx.relative(dockerfile)} has no FROM"
            )
        context_dir = ctx.located(service, str(service.get("dockerContext", ".")))
        if not context_dir.is_dir():
            yield ctx.blueprint.problem(
                (*service.path, "dockerContext"),
                f"{ctx.relative(context_dir)} is not a directory",
            )


@rule("XF002", target="repo", enabled=False)
def health_path_served(ctx: RepoContext) -> Iterator[Problem]:
    """``healthCheckPath`` is a route the app serves (a ``@bp.get("/health")`` decorator).

    Passes: ``healthCheckPath: /health`` and ``@bp.get("/health")`` in app/
    Fails:  ``healthCheckPath: /healthz`` (every deploy fails its health check)
    """
    path = ctx.health_check_path
    if ctx.web is None or path is None:
        return
    if path not in ctx.routes:
        served = ", ".join(sorted(ctx.routes)) or "no routes found under app/"
        yield ctx.blueprint.problem(
            (*ctx.web.path, "healthCheckPath"),
            f"{path} is not a route of the app (serves: {served})",
        )


@rule("XF003", target="repo", enabled=False)
def health_path_probed(ctx: RepoContext) -> Iterator[Problem]:
    """``healthCheckPath`` is the path the Dockerfile's HEALTHCHECK probes.

    Opt-in, a convention: Render runs its own HTTP check on ``healthCheckPath`` and never the
    Dockerfile's HEALTHCHECK, which only matters where the same image also runs under Docker.
    Passes: ``healthCheckPath: /health`` and ``HEALTHCHECK CMD python -m app.healthcheck /health``
    Fails:  ``healthCheckPath: /ready`` (Render and Docker would judge health differently)
    """
    path = ctx.health_check_path
    if ctx.web is None or path is None or ctx.dockerfile is None:
        return
    check = ctx.dockerfile.healthcheck
    probed = check.probed_paths if check else set()
    if path not in probed:
        if check is None:
            seen = f"{ctx.relative(ctx.dockerfile.path)} has no HEALTHCHECK"
        else:
            where = ctx.relative(Place(ctx.dockerfile.path, check.line))
            seen = f"{where} probes {', '.join(sorted(probed)) or 'no URL path'}"
        yield ctx.blueprint.problem(
            (*ctx.web.path, "healthCheckPath"), f"{path} is not probed: {seen}"
        )


def _render_provides(name: str) -> bool:
    return name in RENDER_PROVIDED or name.startswith(RENDER_PROVIDED_PREFIX)


@rule("XF004", target="repo", enabled=False)
def app_env_declared(ctx: RepoContext) -> Iterator[Problem]:
    """Every env var app/config.py or gunicorn.conf.py needs is declared, set by ENV or Render.

    A variable read with a default (``os.environ.get("X", "1")``, ``env_bool("X", True)``,
    ``os.getenv("X") or "1"``) is not needed: the app runs without it.
    Passes: config.py reads ``LOG_LEVEL`` and render.yaml declares ``LOG_LEVEL``; or config.py
    reads ``env_str("LOG_LEVEL", "INFO")``
    Fails:  config.py reads ``os.environ["LOG_LEVEL"]``; render.yaml and the Dockerfile do not
    set it
    """
    if ctx.web is None:
        return
    missing = [n for n in ENV_SOURCE_FILES if not (ctx.root / n).is_file()]
    for name in missing:
        yield ctx.blueprint.problem(
            (*ctx.web.path, "envVars"), f"cannot check env vars: {name} not found"
        )
    declared = ctx.blueprint.env_sources(ctx.web)
    image_env = ctx.dockerfile.env if ctx.dockerfile else {}
    for name, place in sorted(ctx.app_env_reads.items()):
        if place.has_default:
            continue
        if name not in declared and name not in image_env and not _render_provides(name):
            yield ctx.blueprint.problem(
                (*ctx.web.path, "envVars"),
                f"{name} is read without a default at {ctx.relative(place)} but neither "
                "declared here, set by the Dockerfile's ENV, nor provided by Render",
            )


@rule("XF005", target="repo", enabled=False)
def declared_env_used(ctx: RepoContext) -> Iterator[Problem]:
    """Every env var declared on the web service is read by the app (no dead or misspelt keys).

    Passes: ``{key: LOG_LEVEL, value: info}`` and config.py reads ``LOG_LEVEL``
    Fails:  ``{key: SECRET_KEY, generateValue: true}`` while the app reads FLASK_SECRET_KEY
    """
    if ctx.web is None or not all((ctx.root / n).is_file() for n in ENV_SOURCE_FILES):
        return  # XF004 already reports the missing source files
    for var in ctx.blueprint.env_vars(ctx.web):
        name = var.key
        if name and name not in ctx.app_env_reads and name not in READ_OUTSIDE_APP:
            yield ctx.blueprint.problem(
                (*var.path, "key"), f"{name} is declared but no app code reads it"
            )


@rule("XF006", target="repo", enabled=False)
def disk_mount_prepared(ctx: RepoContext) -> Iterator[Problem]:
    """A disk's mountPath is a directory the Dockerfile creates and chowns to its non-root USER.

    Opt-in, a convention: Render mounts the disk whether or not the image has the folder, and
    a start command may prepare it instead.

    Passes: ``mountPath: /app/data`` and ``RUN mkdir -p /app/data && chown appuser /app/data``
    Fails:  ``mountPath: /app/logs`` with no such RUN (the app cannot write to the disk)
    """
    for service in ctx.blueprint.services:
        mount = ctx.blueprint.disk(service).get("mountPath")
        dockerfile = ctx.dockerfile_of(service) if mount else None
        if dockerfile is None:
            continue
        created, chowned = dockerfile.prepares_directory(str(mount))
        if not (created and chowned):
            if not created:
                problem = "create it"
            elif not dockerfile.user_names:
                problem = "hand it to a non-root USER (the image runs as root)"
            else:
                problem = f"chown it to USER {dockerfile.user}"
            yield ctx.blueprint.problem(
                (*service.path, "disk", "mountPath"),
                f"{ctx.relative(dockerfile.path)} does not {problem}",
            )


@rule("XF007", target="repo", enabled=False)
def predeploy_executable_available(ctx: RepoContext) -> Iterator[Problem]:
    """``preDeployCommand`` runs a program the image has: a requirement's script or a repo file.

    Passes: ``preDeployCommand: flask db upgrade`` with Flask in requirements.txt
    Fails:  ``preDeployCommand: alembic upgrade head`` without alembic in requirements.txt
    """
    command = ctx.web.get("preDeployCommand") if ctx.web else None
    program = predeploy_executable(str(command)) if command else None
    if ctx.web is None or program is None or program in BASE_EXECUTABLES:
        return
    if "/" in program:
        available = (ctx.service_dir() / program).is_file()
        source = "the repo"
    else:
        requirements = ctx.root / "requirements.txt"
        names = requirement_names(requirements) if requirements.is_file() else set()
        # The console scripts used here (flask, gunicorn, alembic) share their package's name.
        available = program.lower() in names
        source = "requirements.txt"
    if not available:
        yield ctx.blueprint.problem(
            (*ctx.web.path, "preDeployCommand"),
            f"runs {program!r}, which {source} does not provide",
        )
