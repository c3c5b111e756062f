"""pytest plugin: record the outcome of every test marked ``@pytest.mark.checklist(N)``.

Each suite runs on its own (tox envs, CI jobs), so every session writes its own file,
``<REPORT_DIR>/checklist/results-<suite>-<pid>.json``, and ``deploycheck report``
merges them. Loaded by deploycheck's pytest plugin (:mod:`deploycheck.testing.plugin`).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deploycheck.checklist.evidence import RESULTS_DIR, Evidence, Outcome
from deploycheck.checklist.items import BY_NUMBER
from deploycheck.reporters import report_dir

MARKER = "checklist"
PLUGIN_NAME = "gradetracker-checklist-recorder"


def summary_of(item: pytest.Item) -> str:
    """The first line of the test's docstring, else its name read as a sentence."""
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    if doc:
        return doc.splitlines()[0].strip()
    name = getattr(item, "originalname", None) or item.name
    return name.removeprefix("test_").replace("_", " ")


def suite_of(nodeid: str) -> str:
    """``unit`` for ``tests/unit/test_x.py::test_y``: the folder under ``tests/``."""
    parts = nodeid.split("::", 1)[0].split("/")
    if parts[0] == "tests" and len(parts) > 2:
        return parts[1]
    return parts[0] if len(parts) > 1 else "tests"


def checklist_items(item: pytest.Item) -> list[int]:
    """Item numbers from every ``checklist`` marker on ``item`` (class and module marks too)."""
    numbers: list[int] = []
    for mark in item.iter_markers(MARKER):
        if not mark.args or any(number not in BY_NUMBER for number in mark.args):
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.checklist{mark.args!r} must name items "
                f"1-{len(BY_NUMBER)}, e.g. @pytest.mark.checklist(3)"
            )
        numbers.extend(number for number in mark.args if number not in numbers)
    return sorted(numbers)


class ChecklistRecorder:
    """Collects evidence during the session and writes one results file per suite at the end."""

    def __init__(self, report_dir: Path) -> None:
        self.report_dir = report_dir
        self.pending: dict[str, Evidence] = {}
        self.recorded: dict[str, Evidence] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            numbers = checklist_items(item)
            if numbers:
                self.pending[item.nodeid] = Evidence(
                    numbers, item.nodeid, summary_of(item), suite_of(item.nodeid)
                )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        evidence = self.pending.get(report.nodeid)
        if evidence is None:
            return
        self.recorded[report.nodeid] = evidence
        evidence.timestamp = datetime.now(UTC).isoformat()
        # A failing setup or teardown is an error whatever the call did; a skip in setup
        # (or an xfail in the call) is a skip; otherwise the call decides.
        if report.failed:
            evidence.outcome = Outcome.FAILED if report.when == "call" else Outcome.ERROR
        elif report.skipped:
            evidence.outcome = Outcome.SKIPPED
        elif report.when == "call":
            evidence.outcome = Outcome.PASSED

    def pytest_sessionfinish(self) -> None:
        by_suite: dict[str, list[Evidence]] = {}
        for evidence in self.recorded.values():
            by_suite.setdefault(evidence.suite, []).append(evidence)
        if not by_suite:
            return
        directory = self.report_dir / RESULTS_DIR
        directory.mkdir(parents=True, exist_ok=True)
        for suite, records in by_suite.items():
            payload = {
                "suite": suite,
                "pid": os.getpid(),
                "written_at": datetime.now(UTC).isoformat(),
                "results": [evidence.as_dict() for evidence in records],
            }
            path = directory / f"results-{suite}-{os.getpid()}.json"
            path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(item): evidence for an item of the security checklist (1-{len(BY_NUMBER)})",
    )
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(ChecklistRecorder(report_dir(config.rootpath)), PLUGIN_NAME)
