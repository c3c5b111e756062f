"""DI rules: the build context's .dockerignore keeps secrets and clutter out (DI001, DI002) and
everything the Dockerfile COPYs in (DI003). The matching itself is
:mod:`deploycheck.targets.dockerignore`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from deploycheck import registry
from deploycheck.findings import Finding, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.dockerignore import BuildContext

# Paths no build context needs, one sample per kind: VCS data, env files, virtualenvs, caches,
# keys and credentials. A project lists its own on top (tests, docs, CI files) in its config.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git/config",
    ".env",
    ".env.production",
    ".venv/bin/python",
    "venv/bin/python",
    "__pycache__/conftest.cpython-311.pyc",
    ".pytest_cache/README.md",
    ".coverage",
    "deploy.pem",
    "id_rsa",
    "client.p12",
    ".npmrc",
    ".pypirc",
)


def _problem(context: BuildContext, line: int | None, message: str) -> Problem:
    return Problem(context.dockerignore.display_path, line, message)


@rule("DI001", target="context")
def dockerignore_present(context: BuildContext) -> Iterator[Problem]:
    """The build context has a .dockerignore (without one, .git and .env are sent along).

    Pass: a ``.dockerignore`` next to ``Dockerfile.render``
    Fail: no ``.dockerignore`` in the context root
    """
    if not context.dockerignore.exists:
        yield _problem(
            context,
            None,
            "no .dockerignore: expected one, or .git, .env and local databases are sent to "
            "the Docker engine with every build",
        )


@rule("DI002", target="context", options={"exclude": list(DEFAULT_EXCLUDE)})
def must_exclude(context: BuildContext, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Secrets, VCS data, virtualenvs and caches stay out of the build context.

    Option ``exclude``: sample paths that must be excluded (default: one of each kind above;
    a project adds its tests, docs and CI files).
    Pass: ``*`` then ``!app/`` then ``**/.env`` (``app/.env`` is excluded)
    Fail: ``!.env*`` after ``*`` (``.env`` is sent to the engine, one COPY away from a layer)
    """
    ignore = context.dockerignore
    if not ignore.exists:
        return
    for sample in options["exclude"]:
        if ignore.excludes(sample):
            continue
        pattern = ignore.deciding_pattern(sample)
        why = f"`{pattern.text}` lets it in" if pattern else "no pattern excludes it"
        yield _problem(
            context,
            pattern.line if pattern else None,
            f"{sample} would be sent to the build context: expected it excluded, but {why}",
        )


@rule("DI003", target="context")
def must_not_exclude(context: BuildContext) -> Iterator[Problem]:
    """Everything the Dockerfile COPYs from the context is left in it.

    Pass: ``*`` then ``!requirements.txt`` with ``COPY requirements.txt .``
    Fail: ``*`` without ``!requirements.txt`` (the build fails: file not found in context)
    """
    ignore = context.dockerignore
    if not ignore.exists:
        return
    dockerfile = context.dockerfile.display_path
    for path, copy_line in context.required_paths():
        if not ignore.excludes(path):
            continue
        pattern = ignore.deciding_pattern(path)
        yield _problem(
            context,
            pattern.line if pattern else None,
            f"{path} is excluded by `{pattern.text if pattern else '?'}`, but {dockerfile} "
            f"line {copy_line} COPYs it: expected it kept in the build context",
        )


def check(context: BuildContext, settings: Settings | None = None) -> list[Finding]:
    """Every DI rule enabled in ``settings`` over ``context``, sorted by place."""
    return registry.run("context", context, settings)
