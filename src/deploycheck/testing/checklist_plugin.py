"""pytest plugin: record the outcome of every test marked ``@pytest.mark.checklist(N)``.

Each suite runs on its own (tox envs, CI jobs), so every session writes its own file,
``<REPORT_DIR>/checklist/results-<suite>-<pid>.json``, and ``deploycheck report``
merges them. The item numbers a marker may name are those the project's deploycheck config
declares (``checklist:``, found from pytest's rootdir upward, or ``$DEPLOYCHECK_CONFIG``); the
config is read only when a marked test is collected. Loaded by deploycheck's pytest plugin
(:mod:`deploycheck.testing.plugin`).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deploycheck.checklist.evidence import RESULTS_DIR, Evidence, Outcome
from deploycheck.checklist.items import Checklist
from deploycheck.checklist.report import checklist_of
from deploycheck.config import config_for
from deploycheck.errors import HarnessError
from deploycheck.reporters import report_dir

MARKER = "checklist"
PLUGIN_NAME = "deploycheck-checklist-recorder"
CONFIG_VAR = "DEPLOYCHECK_CONFIG"


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


def project_checklist(root: Path) -> Checklist:
    """The checklist of the project at ``root``; a usage error when its config has none."""
    try:
        return checklist_of(config_for(root, explicit=os.environ.get(CONFIG_VAR) or None))
    except HarnessError as exc:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} needs a checklist: {exc}") from None


def checklist_items(item: pytest.Item, checklist: Checklist) -> list[int]:
    """Item numbers from every ``checklist`` marker on ``item`` (class and module marks too)."""
    numbers: list[int] = []
    for mark in item.iter_markers(MARKER):
        if not mark.args or any(number not in checklist.numbers for number in mark.args):
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.checklist{mark.args!r} must name declared items "
                f"({checklist.describe_numbers()}), e.g. @pytest.mark.checklist(3)"
            )
        numbers.extend(number for number in mark.args if number not in numbers)
    return sorted(numbers)


class ChecklistRecorder:
    """Collects evidence during the session and writes one results file per suite at the end."""

    def __init__(self, report_dir: Path, root: Path) -> None:
        self.report_dir = report_dir
        self.root = root
        self.checklist: Checklist | None = None
        self.pending: dict[str, Evidence] = {}
        self.recorded: dict[str, Evidence] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if item.get_closest_marker(MARKER) is None:
                continue
            if self.checklist is None:
                self.checklist = project_checklist(self.root)
            numbers = checklist_items(item, self.checklist)
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
        f"{MARKER}(N, ...): evidence for item N of the project's checklist (`checklist:` in "
        "its deploycheck config)",
    )
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        recorder = ChecklistRecorder(report_dir(config.rootpath), config.rootpath)
        config.pluginmanager.register(recorder, PLUGIN_NAME)
