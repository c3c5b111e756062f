"""Reporters turn findings into text; checking never prints, reporting never checks.

Pick one by name from :data:`REPORTERS`, as yamllint and check-jsonschema do for their
``--format`` options: ``text`` for people, ``json`` for scripts, ``markdown`` for a job summary
or a pull-request comment, ``sarif`` for GitHub code scanning and ``github`` for workflow
annotations on the pull request's diff. Every reporter is called the same way::

    REPORTERS["sarif"](docs_url=None, show_docs=False).render(findings, rules)

where ``rules`` maps rule ids to their :class:`~deploycheck.registry.RuleInfo` (the SARIF
reporter describes each rule from it, and it gives the links ``docs_url`` and ``show_docs``
ask for; the others only need the findings). Findings come out
sorted by (path, line or 0, column or 0, rule), never comparing ``None`` with a number.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploycheck.reporters.base import Reporter, Summary, docs_link, location, sorted_findings
from deploycheck.reporters.github import GithubReporter
from deploycheck.reporters.json_report import JSON_FORMAT_VERSION, JsonReporter
from deploycheck.reporters.markdown import MarkdownReporter
from deploycheck.reporters.sarif import SarifReporter
from deploycheck.reporters.text import TextReporter

REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls
    for cls in (TextReporter, JsonReporter, MarkdownReporter, SarifReporter, GithubReporter)
}


def report_dir(root: Path) -> Path:
    """Where reports go: REPORT_DIR when set (tox passes it through), else ``root/reports``."""
    return Path(os.environ.get("REPORT_DIR") or root / "reports")


__all__ = [
    "JSON_FORMAT_VERSION",
    "REPORTERS",
    "GithubReporter",
    "JsonReporter",
    "MarkdownReporter",
    "Reporter",
    "SarifReporter",
    "Summary",
    "TextReporter",
    "docs_link",
    "location",
    "report_dir",
    "sorted_findings",
]
