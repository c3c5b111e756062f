"""Typed evidence for the checklist report: what the pytest recorder wrote, read back.

The recorder (:mod:`deploycheck.testing.checklist_plugin`) writes one ``results-*.json`` per
suite; it is read here into dataclasses, checking every field, so the report works on facts
rather than on dicts, and a damaged file is one clear error naming it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycheck.errors import ConfigFileError
from deploycheck.records import record

# Under the report directory: where the recorder writes and the report reads.
RESULTS_DIR = "checklist"


class Outcome(enum.StrEnum):
    """How a marked test ended; a setup or teardown failure is an ``error``."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass
class Evidence:
    """One marked test's result: which items it backs and how it ended."""

    items: list[int]
    nodeid: str
    summary: str
    suite: str
    outcome: Outcome = Outcome.ERROR
    timestamp: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Evidence:
        """One record of a results file; ``ValueError`` names the first field that is wrong."""
        items = record.get("items")
        if not isinstance(items, list) or not all(isinstance(n, int) for n in items):
            raise ValueError(f"'items' must be a list of item numbers, found {items!r}")
        text = {}
        for name in ("nodeid", "summary", "suite", "timestamp"):
            value = record.get(name)
            if not isinstance(value, str):
                raise ValueError(f"{name!r} must be a string, found {value!r}")
            text[name] = value
        try:
            outcome = Outcome(record.get("outcome"))
        except ValueError:
            choices = ", ".join(outcome.value for outcome in Outcome)
            raise ValueError(
                f"'outcome' must be one of {choices}, found {record.get('outcome')!r}"
            ) from None
        return cls(items, outcome=outcome, **text)

    def as_dict(self) -> dict[str, object]:
        return record(
            self, "items nodeid summary suite outcome timestamp", outcome=self.outcome.value
        )


def load_evidence(results_dir: Path) -> list[Evidence]:
    """Every recorded result, keeping only the latest one per test id."""
    files = sorted(results_dir.glob("results-*.json"))
    if not files:
        raise ConfigFileError(
            f"no checklist results in {results_dir}. Hint: run the test suites first; "
            "deploycheck's pytest plugin records every test marked @pytest.mark.checklist(N)."
        )
    latest: dict[str, Evidence] = {}
    for path in files:
        for evidence in _read_results(path):
            known = latest.get(evidence.nodeid)
            if known is None or evidence.timestamp >= known.timestamp:
                latest[evidence.nodeid] = evidence
    return sorted(latest.values(), key=lambda evidence: evidence.nodeid)


def _read_results(path: Path) -> list[Evidence]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))["results"]
        return [Evidence.from_record(record) for record in records]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigFileError(f"{path}: not a checklist results file ({exc})") from None
