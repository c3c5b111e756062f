"""The GitHub Actions reporter: one workflow command per finding, so each shows as an
annotation on the pull request's diff, then the verdict as a plain log line::

    ::error file=Dockerfile,line=12,col=1,title=DF004::the final stage runs as root

Levels map ``error`` -> ``::error``, ``warning`` -> ``::warning``, ``info`` -> ``::notice``.
Values are escaped as the Actions toolkit does (``escapeData`` / ``escapeProperty`` in
``@actions/core``): ``%``, ``\\r`` and ``\\n`` everywhere, and ``:`` and ``,`` in properties
too, since they separate the properties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from deploycheck.findings import Finding, Level
from deploycheck.reporters.base import Reporter, Summary, sorted_findings

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo

COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    properties = [("file", finding.path)]
    if finding.line:
        properties.append(("line", str(finding.line)))
        if finding.column:
            properties.append(("col", str(finding.column)))
    properties.append(("title", finding.rule_id))
    shown = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.level]} {shown}::{escape_data(finding.message)}"


class GithubReporter(Reporter):
    name = "github"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        lines = [command(f) for f in sorted_findings(findings)]
        return "\n".join([*lines, str(Summary.of(findings))])
