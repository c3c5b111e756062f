"""Findings, rules and results: the vocabulary every check in the harness speaks.

Modelled on yamllint: a rule has an id, a default level and a docstring with a passing and a
failing example; checking yields findings; a result collects them and knows whether it succeeded.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


class Level(enum.IntEnum):
    """How serious a finding is; only errors make a result fail."""

    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in one file, at one line when the line is known."""

    path: str
    line: int | None
    rule_id: str
    message: str
    level: Level = Level.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message} ({self.rule_id})"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "rule_id": self.rule_id,
            "message": self.message,
            "level": str(self.level),
        }


@dataclass(frozen=True)
class Rule(Generic[T]):
    """A named check over a target of type ``T`` (a parsed Dockerfile, a Blueprint, ...)."""

    id: str
    level: Level
    check: Callable[[T], Iterable[Finding]]

    @property
    def description(self) -> str:
        return (self.check.__doc__ or "").strip().splitlines()[0] if self.check.__doc__ else ""

    def __call__(self, target: T) -> Iterator[Finding]:
        yield from self.check(target)


class RuleSet(Generic[T]):
    """An ordered registry of rules; ``@rules.rule("DF001")`` registers a check function."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule[T]] = {}

    def rule(
        self, rule_id: str, level: Level = Level.ERROR
    ) -> Callable[[Callable[[T], Iterable[Finding]]], Callable[[T], Iterable[Finding]]]:
        def register(check: Callable[[T], Iterable[Finding]]) -> Callable[[T], Iterable[Finding]]:
            if rule_id in self._rules:
                raise ValueError(f"rule id {rule_id} registered twice")
            self._rules[rule_id] = Rule(rule_id, level, check)
            return check

        return register

    def __iter__(self) -> Iterator[Rule[T]]:
        return iter(self._rules.values())

    def __getitem__(self, rule_id: str) -> Rule[T]:
        return self._rules[rule_id]

    def ids(self) -> list[str]:
        return list(self._rules)

    def run(self, target: T, only: Iterable[str] | None = None) -> list[Finding]:
        """Every finding of every rule (or of the rules in ``only``), sorted by place."""
        wanted = set(only) if only is not None else None
        found: list[Finding] = []
        for rule in self:
            if wanted is None or rule.id in wanted:
                found.extend(rule(target))
        return sorted(found)


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
