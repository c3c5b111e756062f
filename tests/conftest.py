"""Project-wide pytest configuration: markers shared by every suite.

The ``--require-docker`` option, the ``container`` and ``checklist`` markers, the checklist
recorder and the service fixtures come from deploycheck's pytest plugin, which pip registers
through the ``pytest11`` entry point (``pip install -e .``), so nested pytest runs (the
recorder's own tests) get them too.
"""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds (image builds)")
