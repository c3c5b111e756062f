"""What deploycheck's own tests share: the foreign project (tests/fixtures/foreign, a small Node
service that is not this repository), the command line run on it, and a config file written
for a test."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from deploycheck.cli import main

REPO = Path(__file__).resolve().parents[3]
FOREIGN = REPO / "tests" / "fixtures" / "foreign"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``deploycheck ARGV`` in this process: exit code, stdout, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_foreign(
    capsys: pytest.CaptureFixture[str], dockerfile: str, *options: str
) -> tuple[int, str, str]:
    """``deploycheck dockerfile`` on one of the foreign project's Dockerfiles, in its context."""
    return run(capsys, "dockerfile", str(FOREIGN / dockerfile), "--root", str(FOREIGN), *options)


def check_project(
    capsys: pytest.CaptureFixture[str], folder: Path, *options: str
) -> tuple[int, str]:
    """``deploycheck dockerfile`` on ``folder``'s Dockerfile in its context: exit code, and
    stdout and stderr together."""
    code, out, err = run(
        capsys, "dockerfile", str(folder / "Dockerfile"), "--root", str(folder), *options
    )
    return code, out + err


def write_config(folder: Path, text: str) -> Path:
    """``folder``/.deploycheck.yaml holding ``text`` (dedented)."""
    path = folder / ".deploycheck.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
