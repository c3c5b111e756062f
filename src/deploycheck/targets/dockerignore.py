"""The ``Dockerignore`` target and its rules (DI001...): what reaches the build context.

Matching follows moby's current pattern matcher (``MatchesOrParentMatches``, which BuildKit's
context transfer also follows): ``*``/``**``/``?`` globs, ``!`` re-includes, a pattern also
excludes everything below a directory it matches, the last matching pattern wins, case
matters. Patterns are normalised and translated to regexes by the docker SDK's own helpers
(``docker.utils.build.Pattern``, ``docker.utils.fnmatch``), but its ``PatternMatcher`` loop is
not used: it implements moby's older parent check, which misses ``**/__pycache__`` at depths
other than two, and it ignores case. Rules ask "is this sample path excluded?", so a pattern
that is present but shadowed by a later ``!`` line does not count.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from docker.utils.build import Pattern
from docker.utils.fnmatch import fnmatchcase

from deploycheck import registry
from deploycheck.findings import Finding, Problem
from deploycheck.registry import Settings, rule
from deploycheck.targets.dockerfile import Dockerfile, display_path

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


@dataclass(frozen=True)
class IgnorePattern:
    """One pattern line; ``reinclude`` for ``!`` lines, which put paths back in the context."""

    text: str
    line: int

    @property
    def reinclude(self) -> bool:
        return self.text.startswith("!")


class Dockerignore:
    """Facts about one .dockerignore file; a missing file simply has no patterns."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.exists = self.path.is_file()

    def __repr__(self) -> str:
        return f"Dockerignore({str(self.path)!r})"

    @property
    def display_path(self) -> str:
        return display_path(self.path)

    @cached_property
    def patterns(self) -> tuple[IgnorePattern, ...]:
        """Non-blank, non-comment lines, stripped, as the docker SDK and CLI read them."""
        if not self.exists:
            return ()
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return tuple(
            IgnorePattern(text.strip(), number)
            for number, text in enumerate(lines, start=1)
            if text.strip() and not text.strip().startswith("#")
        )

    def deciding_pattern(self, path: str) -> IgnorePattern | None:
        """The last pattern matching ``path`` or a parent directory: the one that decides.

        None when no pattern matches, which means ``path`` is in the context.
        """
        parts = path.strip("/").split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        decided = None
        for pattern in self.patterns:
            compiled = Pattern(pattern.text)
            # Pattern() drops "." components; a pattern left empty is ignored, as Docker does.
            if compiled.dirs and any(fnmatchcase(c, compiled.cleaned_pattern) for c in candidates):
                decided = pattern
        return decided

    def excludes(self, path: str) -> bool:
        """Whether ``path`` (relative to the context root) stays out of the build context."""
        decided = self.deciding_pattern(path)
        return decided is not None and not decided.reinclude


@dataclass(frozen=True)
class BuildContext:
    """A build context: its root, the Dockerfile built in it and the .dockerignore filtering it."""

    root: Path
    dockerfile: Dockerfile
    dockerignore: Dockerignore

    @classmethod
    def at(
        cls,
        root: str | os.PathLike[str],
        dockerfile: str | os.PathLike[str] = "Dockerfile.render",
        dockerignore: str | os.PathLike[str] = ".dockerignore",
    ) -> BuildContext:
        """The context at ``root``; relative file names are taken inside it."""
        base = Path(root)
        return cls(base, Dockerfile(base / dockerfile), Dockerignore(base / dockerignore))

    def required_paths(self) -> list[tuple[str, int]]:
        """``(path, COPY line)`` for what the Dockerfile copies from the context.

        A directory source stands for itself and its top-level ``.py`` files (or
        ``<dir>/__init__.py`` before the code exists); ``.`` is skipped, as it means "everything
        the .dockerignore lets in" and so cannot be over-excluded.
        """
        required: list[tuple[str, int]] = []
        for copy in self.dockerfile.copies:
            if "from" in copy.flags:
                continue
            for source in copy.sources:
                clean = source.removeprefix("./").strip("/")
                if not clean or clean == "." or "://" in source:
                    continue
                required.append((clean, copy.line))
                directory = self.root / clean
                if directory.is_dir() or source.endswith("/"):
                    modules = sorted(p.name for p in directory.glob("*.py")) or ["__init__.py"]
                    required.extend((f"{clean}/{name}", copy.line) for name in modules)
        return required


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
