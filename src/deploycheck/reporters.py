"""Reporters turn findings into text; checking never prints, reporting never checks.

Pick one by name from :data:`REPORTERS` (``text``, ``json``, ``markdown``), as yamllint and
check-jsonschema do for their ``--format`` options.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from deploycheck.findings import Finding, Level, Result
from deploycheck.registry import RuleInfo


def report_dir(root: Path) -> Path:
    """Where reports go: REPORT_DIR when set (tox passes it through), else ``root/reports``."""
    return Path(os.environ.get("REPORT_DIR") or root / "reports")


class Reporter:
    """Base class: ``render(findings, rules)`` returns the whole report as one string;
    ``rules`` is the registry (id -> :class:`RuleInfo`) for reporters that describe rules."""

    name: ClassVar[str]

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        raise NotImplementedError

    @staticmethod
    def summary(result: Result) -> str:
        errors = sum(1 for f in result.findings if f.level is Level.ERROR)
        warnings = len(result.findings) - errors
        verdict = "ok" if result.ok else "failed"
        return f"{verdict}: {errors} error(s), {warnings} warning(s)"


def _where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}" if finding.line else finding.path


class TextReporter(Reporter):
    """An aligned table, one finding a row: ``where  level  rule  message``."""

    name = "text"
    header = ("where", "level", "rule", "message")

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        result = Result(list(findings))
        rows = [(_where(f), str(f.level), f.rule_id, f.message) for f in sorted(result.findings)]
        if not rows:
            return self.summary(result)
        widths = [max(len(row[i]) for row in (self.header, *rows)) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
            for row in (self.header, *rows)
        ]
        return "\n".join([*lines, "", self.summary(result)])


class JsonReporter(Reporter):
    """``{"ok": bool, "findings": [...]}``, stable key order for diffing in CI logs."""

    name = "json"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        result = Result(list(findings))
        payload = {"ok": result.ok, "findings": [f.as_dict() for f in sorted(result.findings)]}
        return json.dumps(payload, indent=2)


class MarkdownReporter(Reporter):
    """A GitHub-flavoured table, for a job summary or a pull-request comment."""

    name = "markdown"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        result = Result(list(findings))
        lines = [f"**{self.summary(result)}**"]
        if result.findings:
            lines += ["", "| where | level | rule | message |", "| --- | --- | --- | --- |"]
            for f in sorted(result.findings):
                message = f.message.replace("|", "\\|")
                lines.append(f"| `{_where(f)}` | {f.level} | {f.rule_id} | {message} |")
        return "\n".join(lines)


REPORTERS: dict[str, type[Reporter]] = {
    cls.name: cls for cls in (TextReporter, JsonReporter, MarkdownReporter)
}
