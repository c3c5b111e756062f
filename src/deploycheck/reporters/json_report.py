"""The JSON reporter, for scripts; its shape is versioned and documented in the README::

    {"version": 1,
     "findings": [{"rule": "DF004", "level": "error", "path": "Dockerfile", "line": 12,
                   "column": null, "message": "..."}],
     "summary": {"ok": false, "errors": 1, "warnings": 0, "infos": 0, "total": 1}}

``line`` and ``column`` are 1-based or ``null`` when unknown. A change that renames or removes
a key bumps ``version``; adding a key does not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from deploycheck.findings import Finding
from deploycheck.reporters.base import Reporter, Summary, sorted_findings

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo

JSON_FORMAT_VERSION = 1


def finding_record(finding: Finding) -> dict[str, object]:
    return {
        "rule": finding.rule_id,
        "level": str(finding.level),
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
    }


class JsonReporter(Reporter):
    name = "json"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        payload = {
            "version": JSON_FORMAT_VERSION,
            "findings": [finding_record(f) for f in sorted_findings(findings)],
            "summary": Summary.of(findings).as_dict(),
        }
        return json.dumps(payload, indent=2)
