"""The container suite needs a Docker engine for every test: without one it is skipped locally
and fails in CI (``CI=true``) or with ``--require-docker``.

The fixtures (``docker_engine``, ``network``, ``postgres``, ``redis``, ``clean_postgres``,
``clean_redis``, ...) come from deploycheck's pytest plugin (:mod:`deploycheck.testing.plugin`),
which takes image names from the environment or the ``.images.env`` that
scripts/provision-images writes.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def uses_docker_engine(docker_engine: None) -> None:
    """Every test here runs against a reachable engine, or is skipped (failed in CI)."""
