"""Fixtures of deploycheck's own tests: a copy of the foreign project to change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploycheck.registry import load_all
from tests.unit.deploycheck.support import FOREIGN

# Every rule module imported up front: pytester's in-process runs forget the modules imported
# during them, and a rule module imported again would register its rules twice.
load_all()


@pytest.fixture
def foreign_project(tmp_path: Path) -> Path:
    """A copy of the foreign project (the whole build context) in its own folder, with no
    deploycheck config above it."""
    project = tmp_path / "foreign"
    shutil.copytree(FOREIGN, project)
    return project
