"""The ``Dockerignore`` target and its ``BuildContext``: what reaches the build context.

The DI rules over them live in :mod:`deploycheck.rules.dockerignore`.

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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from docker.utils.build import Pattern
from docker.utils.fnmatch import fnmatchcase

from deploycheck.targets.dockerfile import Dockerfile, display_path


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
