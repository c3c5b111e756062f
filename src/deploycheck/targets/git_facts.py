"""What git knows about a build context's files: whether a path is ignored (a build output the
project's pipeline makes before ``docker build``) and whether a file is tracked (already in the
repository, so copying it into an image leaks nothing new).

Render builds from a clean clone of the repository, so both facts decide what a COPY finds
there. Outside a git work tree, or without git, nothing is ignored and nothing is tracked.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

_TIMEOUT = 20


Done = subprocess.CompletedProcess[str]


def _git(root: Path, *args: str, stdin: str | None = None) -> Done | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None


@lru_cache(maxsize=64)
def in_work_tree(root: Path) -> bool:
    """Whether ``root`` lies inside a git work tree."""
    done = _git(root, "rev-parse", "--is-inside-work-tree")
    return done is not None and done.returncode == 0 and done.stdout.strip() == "true"


def ignored(root: Path, paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` (relative to ``root``) that the work tree's ignore rules exclude."""
    wanted = [p for p in paths if p]
    if not wanted or not in_work_tree(root):
        return set()
    # Exit 0: some ignored, 1: none ignored; anything else is git failing.
    done = _git(root, "check-ignore", "--stdin", "-z", stdin="\0".join(wanted) + "\0")
    if done is None or done.returncode not in (0, 1):
        return set()
    return {p for p in done.stdout.split("\0") if p}


def tracked(root: Path, paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` (relative to ``root``) that git tracks in the work tree's index."""
    wanted = [p for p in paths if p]
    if not wanted or not in_work_tree(root):
        return set()
    done = _git(root, "--literal-pathspecs", "ls-files", "-z", "--", *wanted)
    if done is None or done.returncode != 0:
        return set()
    return {p for p in done.stdout.split("\0") if p}
