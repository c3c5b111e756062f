"""The text reporter: one ``path:line:col: level message (ID)`` line per finding, then the
verdict, the shape compilers and ruff print so editors and terminals can jump to the place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from deploycheck.findings import Finding
from deploycheck.reporters.base import Reporter, Summary, location, sorted_findings

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo


class TextReporter(Reporter):
    name = "text"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        lines = [
            f"{location(f)}: {f.level} {f.message} ({f.rule_id})" for f in sorted_findings(findings)
        ]
        return "\n".join([*lines, str(Summary.of(findings))])
