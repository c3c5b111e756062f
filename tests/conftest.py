"""Project-wide pytest configuration: markers shared by every suite, the checklist recorder.

The ``checklist`` marker is registered by the recorder plugin itself, so the plugin works the
same in a nested pytest run (its own tests) as in the suites.
"""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester", "deploycheck.testing.checklist_plugin")


def pytest_addoption(parser: pytest.Parser) -> None:
    # Here, not in tests/container/conftest.py, so `pytest --require-docker` works from the root.
    parser.addoption(
        "--require-docker",
        action="store_true",
        default=False,
        help="fail, not skip, the container tests when no Docker engine is reachable "
        "(implied by CI=true)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "container: needs a Docker engine and real containers")
    config.addinivalue_line("markers", "slow: takes more than a few seconds (image builds)")
