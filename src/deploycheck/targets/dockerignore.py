"""The ``Dockerignore`` target and its ``BuildContext``: what reaches the build context.

The DI rules over them live in :mod:`deploycheck.rules.dockerignore`.

Matching follows moby's current pattern matcher (``MatchesOrParentMatches``, which BuildKit's
context transfer also follows): ``*``/``**``/``?`` globs, ``!`` re-includes, a pattern also
excludes everything below a directory it matches, the last matching pattern wins, case
matters. Patterns are normalised and translated to regexes by the docker SDK's own helpers
(``docker.utils.build.Pattern``, ``docker.utils.fnmatch``), but its ``PatternMatcher`` loop and
``exclude_paths`` walk are not used: they implement moby's older parent check, which misses
``**/__pycache__`` at depths other than two, and prune a directory unless a ``!`` pattern
starts with its literal path, so ``!**/keep`` is lost. The walk here prunes an excluded
directory only when no ``!`` pattern could match below it, as BuildKit's walker does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from docker.utils.build import Pattern
from docker.utils.fnmatch import fnmatchcase

from deploycheck.targets.dockerfile import Dockerfile, display_path

_GLOB = frozenset("*?[\\")


@dataclass(frozen=True)
class IgnorePattern:
    """One pattern and its line in ``.dockerignore`` (0 for one from elsewhere: the config's
    ``keep_out``); ``reinclude`` for ``!`` lines, which put paths back in the context."""

    text: str
    line: int

    @property
    def reinclude(self) -> bool:
        return self.text.startswith("!")

    @cached_property
    def compiled(self) -> Pattern:
        return Pattern(self.text)

    def could_match_below(self, parts: list[str]) -> bool:
        """Whether this pattern could match a path strictly below the directory ``parts``."""
        dirs = self.compiled.dirs
        for index, part in enumerate(parts):
            if index >= len(dirs) - 1:
                return False
            if "**" in dirs[index]:
                return True
            if not fnmatchcase(part, dirs[index]):
                return False
        return len(dirs) > len(parts)


class Dockerignore:
    """Facts about one .dockerignore file; a missing file simply has no patterns."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.exists = self.path.is_file()

    def __repr__(self) -> str:
        return f"Dockerignore({str(self.path)!r})"

    @classmethod
    def for_build(cls, root: Path, dockerfile: Path) -> Dockerignore:
        """The file ``docker build`` reads: ``<Dockerfile>.dockerignore`` beside the Dockerfile
        wins over the context's ``.dockerignore`` (https://docs.docker.com/build/concepts/context/)."""
        own = dockerfile.with_name(dockerfile.name + ".dockerignore")
        return cls(own if own.is_file() else root / ".dockerignore")

    @property
    def display_path(self) -> str:
        return display_path(self.path)

    @cached_property
    def patterns(self) -> tuple[IgnorePattern, ...]:
        """Non-blank, non-comment lines, stripped, as the docker SDK and CLI read them.

        A pattern Docker's preprocessing leaves empty (``.``) is ignored, as Docker does.
        """
        if not self.exists:
            return ()
        lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        found = (
            IgnorePattern(text.strip(), number)
            for number, text in enumerate(lines, start=1)
            if text.strip() and not text.strip().startswith("#")
        )
        return tuple(p for p in found if p.compiled.dirs)

    @cached_property
    def _reincludes(self) -> tuple[IgnorePattern, ...]:
        return tuple(p for p in self.patterns if p.reinclude)

    def deciding_pattern(self, path: str) -> IgnorePattern | None:
        """The last pattern matching ``path`` or a parent directory: the one that decides.

        None when no pattern matches, which means ``path`` is in the context.
        """
        parts = path.strip("/").split("/")
        candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        decided = None
        for pattern in self.patterns:
            cleaned = pattern.compiled.cleaned_pattern
            if any(fnmatchcase(c, cleaned) for c in candidates):
                decided = pattern
        return decided

    def excludes(self, path: str) -> bool:
        """Whether ``path`` (relative to the context root) stays out of the build context."""
        decided = self.deciding_pattern(path)
        return decided is not None and not decided.reinclude

    def may_reinclude_below(self, directory: str) -> bool:
        """Whether a ``!`` pattern could put back something below an excluded ``directory``."""
        parts = directory.strip("/").split("/")
        return any(p.could_match_below(parts) for p in self._reincludes)


@dataclass(frozen=True)
class Entry:
    """A file or directory the build context sends, by its path relative to the root."""

    path: str
    is_dir: bool


def has_glob(text: str) -> bool:
    return any(c in _GLOB for c in text)


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
        dockerfile: str | os.PathLike[str] = "Dockerfile",
        dockerignore: str | os.PathLike[str] | None = None,
    ) -> BuildContext:
        """The context at ``root``; relative file names are taken inside it. Without
        ``dockerignore``, the file ``docker build`` would read (:meth:`Dockerignore.for_build`)."""
        base = Path(root)
        df = Dockerfile(base / dockerfile, context=base)
        ignore = (
            Dockerignore(base / dockerignore)
            if dockerignore is not None
            else Dockerignore.for_build(base, df.path)
        )
        return cls(base, df, ignore)

    def sent(self, path: str) -> bool:
        """Whether ``path`` exists in the context root and the .dockerignore lets it through."""
        return (self.root / path).exists() and not self.dockerignore.excludes(path)

    def walk(self, start: str = "", prune: Callable[[str], bool] | None = None) -> Iterator[Entry]:
        """Every entry below ``start`` the engine would send, in a stable order.

        An excluded directory is entered only when a ``!`` pattern could put back something
        inside it; a directory ``prune(path)`` is true for is not entered (a sent one is still
        yielded); symbolic links are sent as links, never followed.
        """
        folders = [start.strip("/")]
        while folders:
            current = folders.pop()
            try:
                with os.scandir(self.root / current) as found:
                    entries = sorted(found, key=lambda e: e.name, reverse=True)
            except OSError:
                continue
            for entry in entries:
                path = f"{current}/{entry.name}" if current else entry.name
                is_dir = entry.is_dir(follow_symlinks=False)
                excluded = self.dockerignore.excludes(path)
                if not excluded:
                    yield Entry(path, is_dir)
                if not is_dir or (excluded and not self.dockerignore.may_reinclude_below(path)):
                    continue
                if prune is None or not prune(path):
                    folders.append(path)

    def matching(self, source: str) -> tuple[list[str], list[str]]:
        """``(sent, excluded)``: context paths a COPY source (a path or a Go glob, relative to
        the root) names; each list in sorted order."""
        parts = [p for p in source.strip("/").split("/") if p not in ("", ".")]
        found = [""]
        for part in parts:
            nxt = []
            for parent in found:
                if not has_glob(part):
                    candidate = f"{parent}/{part}" if parent else part
                    if os.path.lexists(self.root / candidate):
                        nxt.append(candidate)
                    continue
                try:
                    names = sorted(os.listdir(self.root / parent))
                except OSError:
                    continue
                nxt += [f"{parent}/{n}" if parent else n for n in names if fnmatchcase(n, part)]
            found = nxt
        sent = [p for p in found if not self.dockerignore.excludes(p) or self._sends_below(p)]
        return sent, [p for p in found if p not in sent]

    def _sends_below(self, path: str) -> bool:
        """Whether a directory excluded itself still sends a re-included file from inside."""
        if not (self.root / path).is_dir() or not self.dockerignore.may_reinclude_below(path):
            return False
        return any(not e.is_dir for e in self.walk(path))
