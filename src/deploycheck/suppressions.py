"""Inline suppressions in the checked files' comments, like ruff's ``noqa`` with a reason.

``# deploycheck: ignore=DF012,DF013 -- why`` on a line silences those rules' findings on that
line and on the next one (so it goes on the line before what a finding points at, or at the
end of that line). ``# deploycheck: ignore-file=DF012 -- why`` silences them in the whole file.
A suppression without a reason is itself a finding (SUP001), and one that silences nothing is
reported (SUP002), so stale suppressions do not pile up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.findings import Finding, Level
from deploycheck.registry import REGISTRY, declare

DIRECTIVE = re.compile(
    r"#\s*deploycheck:\s*(?P<kind>ignore-file|ignore)\s*=\s*(?P<ids>[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)"
    r"\s*(?:--\s*(?P<reason>.*?))?\s*$"
)

declare(
    "SUP001",
    """A ``# deploycheck: ignore=`` comment says why, after ``--``.

    Passes: ``# deploycheck: ignore=DF012 -- the tarball is vendored and checked by sha256``
    Fails:  ``# deploycheck: ignore=DF012`` (nobody can re-judge an ignore without a reason)
    """,
    target="suppression",
)
declare(
    "SUP002",
    """Every suppression silences some finding of a known rule.

    Passes: ``# deploycheck: ignore=DF012 -- ...`` above the ``ADD`` DF012 reports
    Fails:  the same comment once the ``ADD`` became a ``COPY`` (a stale suppression)
    """,
    target="suppression",
    level=Level.WARNING,
)


@dataclass
class Suppression:
    """One directive: where it is, whether it covers the file, its ids and its reason."""

    path: str
    line: int
    whole_file: bool
    rule_ids: tuple[str, ...]
    reason: str
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        if finding.rule_id not in self.rule_ids:
            return False
        return self.whole_file or finding.line in (self.line, self.line + 1)


def parse(text: str, path: str) -> list[Suppression]:
    """Every directive in ``text`` (a file shown as ``path``)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = DIRECTIVE.search(line)
        if match:
            ids = tuple(part.strip().upper() for part in match["ids"].split(","))
            whole = match["kind"] == "ignore-file"
            found.append(Suppression(path, number, whole, ids, (match["reason"] or "").strip()))
    return found


def read(files: Mapping[str, Path]) -> list[Suppression]:
    """The directives of each checked file (shown path -> real path); unreadable ones have
    none, as the check itself already reported them."""
    found = []
    for shown, real in files.items():
        try:
            found.extend(parse(real.read_text(encoding="utf-8"), shown))
        except (OSError, UnicodeDecodeError):
            continue
    return found


def apply(findings: Iterable[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """``findings`` minus the suppressed ones, plus SUP001/SUP002 about the directives."""
    kept = []
    for finding in findings:
        covering = [s for s in suppressions if s.path == finding.path and s.covers(finding)]
        for suppression in covering:
            suppression.used.add(finding.rule_id)
        if not covering:
            kept.append(finding)
    for suppression in suppressions:
        kept.extend(_about(suppression))
    return sorted(kept)


def _about(suppression: Suppression) -> Iterable[Finding]:
    kind = "ignore-file" if suppression.whole_file else "ignore"
    where = (suppression.path, suppression.line)
    if not suppression.reason:
        yield Finding(
            *where,
            "SUP001",
            f"`deploycheck: {kind}={','.join(suppression.rule_ids)}` gives no reason: "
            "add `-- why` after the ids",
            REGISTRY.level_of("SUP001"),
        )
    for rule_id in suppression.rule_ids:
        if rule_id in suppression.used:
            continue
        why = "no such finding here" if REGISTRY.knows(rule_id) else "it is no rule id"
        yield Finding(
            *where,
            "SUP002",
            f"`deploycheck: {kind}` suppresses nothing for {rule_id} ({why}): remove it",
            REGISTRY.level_of("SUP002"),
        )
