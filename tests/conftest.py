"""Project-wide pytest configuration: markers shared by every suite."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "container: needs a Docker engine and real containers")
    config.addinivalue_line("markers", "slow: takes more than a few seconds (image builds)")
    config.addinivalue_line(
        "markers", "checklist(item): evidence for an item of the security checklist (1-9)"
    )
