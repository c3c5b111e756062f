"""Assertion helpers over findings: each failure is one sentence of expected, found and where.

``__tracebackhide__`` keeps pytest's report on the test line that called the helper.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from deploycheck.findings import Finding


def _listing(findings: Iterable[Finding]) -> str:
    return "".join(f"\n  {finding}" for finding in findings) or " none"


def assert_clean(findings: Iterable[Finding], what: str) -> None:
    """Fail when ``what`` (e.g. "Dockerfile") has any finding, listing each one."""
    __tracebackhide__ = True
    found = sorted(findings)
    if found:
        pytest.fail(f"expected no findings for {what}, found {len(found)}:{_listing(found)}")


def assert_places(
    findings: Iterable[Finding], expected: set[tuple[str, int | None]], what: str
) -> None:
    """Fail unless the ``(rule_id, line)`` places of ``findings`` are exactly ``expected``."""
    __tracebackhide__ = True
    found = sorted(findings)
    places = {(f.rule_id, f.line) for f in found}
    if places != expected:
        pytest.fail(
            f"expected {what} to be rejected at exactly {sorted(expected, key=str)}, "
            f"found {sorted(places, key=str)}:{_listing(found)}"
        )


def assert_has(findings: Iterable[Finding], rule_id: str, line: int | None, what: str) -> None:
    """Fail unless some finding has ``rule_id`` at ``line``."""
    __tracebackhide__ = True
    found = sorted(findings)
    if not any(f.rule_id == rule_id and f.line == line for f in found):
        pytest.fail(f"expected {rule_id} at line {line} of {what}, found instead:{_listing(found)}")
