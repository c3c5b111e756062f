"""Fixtures of deploycheck's own tests: a copy of the foreign project to change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.deploycheck.support import FOREIGN


@pytest.fixture
def foreign_project(tmp_path: Path) -> Path:
    """A copy of the foreign project (the whole build context) in its own folder, with no
    deploycheck config above it."""
    project = tmp_path / "foreign"
    shutil.copytree(FOREIGN, project)
    return project
