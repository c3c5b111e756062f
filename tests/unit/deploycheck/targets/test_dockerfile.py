"""The Dockerfile target's facts on small inline Dockerfiles, and what it refuses to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.errors import ConfigFileError
from deploycheck.rules import dockerfile as dockerfile_rules
from deploycheck.targets.dockerfile import Dockerfile


def test_directory_created_and_chowned_to_a_numeric_user(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM x\nRUN useradd --uid 10001 appuser\n"
        "RUN mkdir -p /app/logs && chown appuser:appuser /app/logs\nUSER 10001:10001\n"
    )
    dockerfile = Dockerfile(path)
    assert dockerfile.user_names == {"10001", "appuser"}
    assert dockerfile.prepares_directory("/app/logs") == (True, True)
    assert dockerfile.prepares_directory("/app/data") == (False, False)


def test_unreadable_dockerfile_is_an_error_not_a_finding(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="cannot read Dockerfile"):
        Dockerfile(tmp_path / "Dockerfile.missing")


def test_malformed_env_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python:3.11-slim-bookworm\nENV A=1 B\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"Dockerfile:2: .*can't find ="):
        dockerfile_rules.check(Dockerfile(path))
