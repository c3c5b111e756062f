"""Findings and results: the vocabulary every check in deploycheck speaks.

Modelled on yamllint: a rule (see :mod:`deploycheck.registry`) yields :class:`Problem` s, the
runner stamps each with the rule's id and level and turns it into a :class:`Finding`; a
:class:`Result` collects them and knows whether it succeeded.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from deploycheck.records import record

# How a message marks what a rule option set: the project asked for it, the package did not.
FROM_CONFIG = "(from the project's config)"


class Level(enum.IntEnum):
    """How serious a finding is; only errors make a result fail."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def named(cls, name: str) -> Level:
        """``"warning"`` -> ``Level.WARNING``; raises ``ValueError`` for any other word."""
        try:
            return cls[name.upper()]
        except KeyError:
            choices = ", ".join(str(level) for level in cls)
            raise ValueError(f"unknown level {name!r}: expected one of {choices}") from None


@dataclass(frozen=True)
class Problem:
    """What a rule body yields: where and what is wrong. The runner adds id and level.

    ``level`` is only for a rule that grades its own problems (IMG004's stale bytecode is a
    warning, hadolint's severities); ``rule_id`` only for a rule that relays another tool's
    codes (hadolint's DL/SC) or declares several ids (see ``registry.rule``).
    """

    path: str
    line: int | None
    message: str
    column: int | None = None
    level: Level | None = None
    rule_id: str | None = None


@functools.total_ordering
@dataclass(frozen=True, eq=True)
class Finding:
    """One problem found in one file, at one line (and column) when they are known.

    Findings sort by :attr:`sort_key`, which never compares ``None`` with a number: a finding
    without a line sorts as line 0, before the file's first line.
    """

    path: str
    line: int | None
    rule_id: str
    message: str
    level: Level = Level.ERROR
    column: int | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule_id, self.message)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self.sort_key < other.sort_key

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message} ({self.rule_id})"

    def as_dict(self) -> dict[str, object]:
        return record(
            self, "rule level path line column message", rule=self.rule_id, level=str(self.level)
        )


@dataclass
class Result:
    """The findings of one check; succeeds when no finding is an error."""

    findings: list[Finding] = field(default_factory=list)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    @property
    def ok(self) -> bool:
        return not any(f.level is Level.ERROR for f in self.findings)

    def rule_ids(self) -> set[str]:
        return {f.rule_id for f in self.findings}
