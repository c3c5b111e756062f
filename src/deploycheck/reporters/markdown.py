"""The Markdown reporter: the verdict in bold, then a GitHub-flavoured table of findings, for a
job summary or a pull-request comment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from deploycheck.findings import Finding
from deploycheck.reporters.base import Reporter, Summary, location, sorted_findings

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo


def cell(text: str) -> str:
    """Text that cannot break a table row: pipes escaped, line breaks as spaces."""
    return " ".join(text.split()).replace("|", "\\|")


class MarkdownReporter(Reporter):
    name = "markdown"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        lines = [f"**{Summary.of(findings)}**"]
        if findings:
            lines += ["", "| where | level | rule | message |", "| --- | --- | --- | --- |"]
            for f in sorted_findings(findings):
                where = location(f).replace("`", "'")
                lines.append(f"| `{where}` | {f.level} | {f.rule_id} | {cell(f.message)} |")
        return "\n".join(lines)
