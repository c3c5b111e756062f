"""What fails the build: the fail level, the baseline and the pinned rule set, applied to a
check's findings after the config has set their levels.

- ``--fail-level error|warning|info`` (hadolint's ``--failure-threshold``, dockle's
  ``--exit-level``): a finding at that level or above fails; the default is ``error``.
- ``--baseline FILE`` (:mod:`deploycheck.baseline`): findings the baseline holds are let
  through and not shown; entries no finding matches any more are named as gone.
- ``rules-version:`` in the config: a default rule newer than the pinned release is shown but
  never fails until the project gives it a level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from deploycheck.baseline import Baseline, Entry, compare
from deploycheck.findings import Finding, Level


@dataclass
class Verdict:
    """The findings to show, those among them that fail, and what the notes should say."""

    shown: list[Finding]
    failing: list[Finding]
    fail_level: Level = Level.ERROR
    known: int = 0
    gone: list[Entry] = field(default_factory=list)
    deferred: list[Finding] = field(default_factory=list)
    rules_version: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failing

    def notes(self) -> list[str]:
        """One line each for what a reader of the report would otherwise not know."""
        lines = []
        if self.known:
            lines.append(f"baseline: {self.known} known finding(s) not shown")
        for entry in self.gone:
            times = f" (x{entry.count})" if entry.count > 1 else ""
            lines.append(
                f"baseline: gone (fixed): {entry.path}: {entry.subject} ({entry.rule}){times}"
            )
        if self.deferred:
            ids = ", ".join(sorted({f.rule_id for f in self.deferred}))
            lines.append(
                f"rules-version {self.rules_version}: {len(self.deferred)} finding(s) of rules "
                f"added to the defaults later ({ids}) do not fail; give them a level to opt in"
            )
        if any(finding.level < Level.ERROR for finding in self.failing):
            lines.append(
                f"failed: --fail-level {self.fail_level}: {len(self.failing)} finding(s) at "
                f"{self.fail_level} or above"
            )
        return lines


def judge(
    check: str,
    findings: Sequence[Finding],
    *,
    fail_level: Level = Level.ERROR,
    baseline: Baseline | None = None,
    deferred: Callable[[str], bool] = lambda rule_id: False,
    rules_version: str | None = None,
) -> Verdict:
    """The verdict on one check's findings (``check`` names its part of the baseline)."""
    compared = compare(check, findings, baseline) if baseline is not None else None
    shown = compared.new if compared is not None else sorted(findings)
    later = [f for f in shown if deferred(f.rule_id)]
    failing = [f for f in shown if f.level >= fail_level and not deferred(f.rule_id)]
    return Verdict(
        shown,
        failing,
        fail_level,
        len(compared.known) if compared else 0,
        compared.gone if compared else [],
        later,
        rules_version,
    )
