"""The SARIF 2.1.0 reporter, for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run whose ``tool.driver.rules`` describes every rule the registry passed in (plus any id a
finding names that the registry does not know, such as a relayed hadolint code), and one
result per finding pointing at its file, line and column. Levels map ``error`` -> ``error``,
``warning`` -> ``warning``, ``info`` -> ``note``. A finding without a line is placed on line 1:
code scanning needs a region to show an alert, and line 1 is where a file-level problem reads
best. Relative paths stay relative (``%SRCROOT%``, the checkout the workflow uploads from).
A rule gets a ``helpUri`` when its documentation has an absolute address: its anchor under
``docs_url`` (``--docs-url``, which the CLI defaults to the package's ``Rules`` URL), or
hadolint's and ShellCheck's pages for their codes; SARIF wants an absolute URI there, so a
bare ``docs/rules.md#df004`` (no ``docs_url``) is left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from deploycheck import __version__
from deploycheck.findings import Finding, Level
from deploycheck.reporters.base import Reporter, docs_link, sorted_findings

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "deploycheck"
SOURCE_ROOT = "%SRCROOT%"
LEVELS = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "note"}


def artifact_location(path: str) -> dict[str, str]:
    """A URI reference for ``path``: absolute paths as ``file:`` URIs, others relative to the
    source root, with ``/`` separators and spaces and other unsafe characters escaped."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": "file://" + quote(pure.as_posix())}
    return {"uri": quote(pure.as_posix()), "uriBaseId": SOURCE_ROOT}


def rule_descriptor(info: RuleInfo, help_uri: str | None = None) -> dict[str, object]:
    doc = info.doc.strip() or info.summary
    guide = doc
    if info.page:
        guide = (
            f"{info.page.why}\n\nHow to fix: {info.page.fix}\n\n{doc}\n\nSource: {info.page.source}"
        )
    descriptor: dict[str, object] = {
        "id": info.id,
        "shortDescription": {"text": info.summary or info.id},
        "fullDescription": {"text": doc},
        "help": {"text": guide},
        "defaultConfiguration": {"level": LEVELS[info.level]},
        "properties": {"tags": [info.family]},
    }
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def _unregistered(rule_id: str, help_uri: str | None) -> dict[str, object]:
    descriptor: dict[str, object] = {"id": rule_id, "shortDescription": {"text": rule_id}}
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def _absolute(link: str | None) -> str | None:
    return link if link and urlsplit(link).scheme else None


def result(finding: Finding, rule_index: int) -> dict[str, object]:
    region: dict[str, int] = {"startLine": finding.line or 1}
    if finding.line and finding.column:
        region["startColumn"] = finding.column
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.level],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(finding.path),
                    "region": region,
                }
            }
        ],
    }


class SarifReporter(Reporter):
    name = "sarif"

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        def help_uri(rule_id: str) -> str | None:
            return _absolute(docs_link(rule_id, rules, self.docs_url))

        descriptors = [
            rule_descriptor(rules[rule_id], help_uri(rule_id)) for rule_id in sorted(rules)
        ]
        for rule_id in sorted({f.rule_id for f in findings} - set(rules)):
            descriptors.append(_unregistered(rule_id, help_uri(rule_id)))
        index = {str(d["id"]): i for i, d in enumerate(descriptors)}
        driver: dict[str, object] = {"name": TOOL_NAME}
        driver["version"] = __version__
        driver["rules"] = descriptors
        log = {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {"driver": driver},
                    "columnKind": "unicodeCodePoints",
                    "results": [result(f, index[f.rule_id]) for f in sorted_findings(findings)],
                }
            ],
        }
        return json.dumps(log, indent=2)
