"""The deploy rehearsal's pytest fixtures, offered by deploycheck's plugin to any project."""

from __future__ import annotations

import pytest


def test_the_plugin_offers_the_rehearsal_fixtures_and_marker(pytester: pytest.Pytester) -> None:
    fixtures = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    markers = pytester.runpytest_inprocess("--markers", "-p", "no:cacheprovider")

    assert (fixtures.ret, markers.ret) == (0, 0)
    for name in ("rehearsal_stack", "rehearsal_report", "rehearsal_scenario", "rehearsal_target"):
        fixtures.stdout.fnmatch_lines([f"{name}*pytest_plugin.py*"])
    markers.stdout.fnmatch_lines(["@pytest.mark.scenario(name)*"])
