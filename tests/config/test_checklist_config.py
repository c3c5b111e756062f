"""This repository's security checklist is declared in its deploycheck config, not in the
package, each item with its automated evidence and the suites that give it."""

from __future__ import annotations

from pathlib import Path

from deploycheck.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def test_this_repositorys_checklist_is_declared_in_its_config() -> None:
    checklist = load_config(ROOT / ".deploycheck.yaml").checklist
    assert checklist is not None
    assert checklist.numbers == tuple(range(1, 12))
    for item in checklist.items:
        assert item.automated, f"item {item.number} says nothing of its automated evidence"
        for suite in item.suites:
            assert (ROOT / "tests" / suite).is_dir(), f"item {item.number}: no tests/{suite}"
    assert [a.file for a in checklist.attach] == ["image.md", "rehearsal.md"]
