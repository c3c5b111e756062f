"""What every reporter shares: the base class, the sort order, the counts and ``path:line:col``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urljoin, urlsplit

from deploycheck.findings import Finding, Level
from deploycheck.records import record
from deploycheck.registry import DOCS_PAGE

if TYPE_CHECKING:
    from deploycheck.registry import RuleInfo

# The pages of the tools whose codes deploycheck relays as they are (hadolint, ShellCheck).
RELAYED_DOCS = (
    (re.compile(r"^DL\d{4}$"), "https://github.com/hadolint/hadolint/wiki/{}"),
    (re.compile(r"^SC\d{4}$"), "https://www.shellcheck.net/wiki/{}"),
)


def sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    """(path, line or 0, column or 0, rule, message): a finding without a line sorts first in
    its file, and ``None`` is never compared with a number."""
    return (
        finding.path,
        finding.line or 0,
        finding.column or 0,
        finding.rule_id,
        finding.message,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=sort_key)


def location(finding: Finding) -> str:
    """``path:line:col``, ``path:line`` or ``path``, as far as the finding knows its place."""
    if not finding.line:
        return finding.path
    column = f":{finding.column}" if finding.column else ""
    return f"{finding.path}:{finding.line}{column}"


@dataclass(frozen=True)
class Summary:
    """How many findings of each level, and the verdict: ok unless one is an error."""

    errors: int
    warnings: int
    infos: int

    @classmethod
    def of(cls, findings: Sequence[Finding]) -> Summary:
        levels = [finding.level for finding in findings]
        return cls(levels.count(Level.ERROR), levels.count(Level.WARNING), levels.count(Level.INFO))

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.infos

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "failed"
        infos = f", {self.infos} info" if self.infos else ""
        return f"{verdict}: {self.errors} error(s), {self.warnings} warning(s){infos}"

    def as_dict(self) -> dict[str, object]:
        return record(self, "ok errors warnings infos total")


def docs_link(rule_id: str, rules: Mapping[str, RuleInfo], base: str | None) -> str | None:
    """Where ``rule_id`` is documented: its anchor (``docs/rules.md#df004``) resolved against
    ``base`` when one is given, the relaying tool's page for its codes, else None."""
    if rule_id in rules:
        anchor = rules[rule_id].anchor
        return urljoin(base, anchor) if base else anchor
    for pattern, page in RELAYED_DOCS:
        if pattern.match(rule_id):
            return page.format(rule_id)
    return None


def packaged_docs_url(distribution: str = "deploycheck") -> str | None:
    """Where the installed release's rule pages are served: its ``Rules`` project URL (the
    page ``docs/rules.md``) less that path, so anchors resolve against it; None when the
    package is not installed or names no such page."""
    try:
        urls = metadata.metadata(distribution).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        url = url.strip()
        if label.strip().lower() == "rules" and urlsplit(url).path.endswith("/" + DOCS_PAGE):
            return url[: -len(DOCS_PAGE)]
    return None


def pages_line(findings: Sequence[Finding], rules: Mapping[str, RuleInfo], base: str | None) -> str:
    """``rule pages: DF004 <url>, DL3008 <url>``: where each rule that fired is documented, in
    one line after the verdict, so each finding stays one line; empty when none has a page."""
    links = {f.rule_id: docs_link(f.rule_id, rules, base) for f in findings}
    named = [f"{rule_id} {link}" for rule_id, link in sorted(links.items()) if link]
    return "rule pages: " + ", ".join(named) if named else ""


class Reporter:
    """Base class: ``render(findings, rules)`` returns the whole report as one string.

    ``docs_url`` is where the folder holding ``docs/rules.md`` is served (a repository's
    ``https://github.com/OWNER/REPO/blob/main/``); reporters that link a rule's documentation
    resolve its anchor against it. ``show_docs`` asks the text reporter for those links.
    """

    name: ClassVar[str]

    def __init__(self, *, docs_url: str | None = None, show_docs: bool = False) -> None:
        self.docs_url = docs_url
        self.show_docs = show_docs

    def render(self, findings: Sequence[Finding], rules: Mapping[str, RuleInfo]) -> str:
        raise NotImplementedError
