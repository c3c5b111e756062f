"""Project-wide pytest configuration: markers shared by every suite.

The ``--require-docker`` option, the ``container`` and ``checklist`` markers, the checklist
recorder and the service fixtures come from deploycheck's pytest plugin, which pip registers
through the ``pytest11`` entry point (``pip install -e .``), so nested pytest runs (the
recorder's own tests) get them too.
"""

from __future__ import annotations

import pytest

# The app's layered fixtures (app, client, runner, token, api), shared by tests/unit/app and
# tests/container/app; each suite gives its own app_config and prepare_app.
pytest_plugins = ("pytester", "tests.app_fixtures")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds (image builds)")
