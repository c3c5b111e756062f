"""The text reporter: one ``path:line:col: level message (ID)`` line per finding, then the
verdict, the shape compilers and ruff print so editors and terminals can jump to the place;
then, as ruff ends with a hint line, where the rules that fired are documented::

    Dockerfile:12: error the final stage runs as root (DF004)
    failed: 1 error(s), 0 warning(s)
    rule pages: DF004 https://github.com/OWNER/REPO/blob/main/docs/rules.md#df004

With ``show_docs`` each line ends with its rule's page instead, and that last line is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from deploycheck.findings import Finding
from deploycheck.reporters.base import (
    Reporter,
    Summary,
    docs_link,
    location,
    pages_line,
    sorted_findings,
)

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo


class TextReporter(Reporter):
    name = "text"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        lines = [self.line(f, rules) for f in sorted_findings(findings)]
        pages = "" if self.show_docs else pages_line(findings, rules, self.docs_url)
        return "\n".join([*lines, str(Summary.of(findings)), *([pages] if pages else [])])

    def line(self, finding: Finding, rules: Mapping[str, RuleInfo]) -> str:
        text = f"{location(finding)}: {finding.level} {finding.message} ({finding.rule_id})"
        link = docs_link(finding.rule_id, rules, self.docs_url) if self.show_docs else None
        return f"{text} {link}" if link else text
