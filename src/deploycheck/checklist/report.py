"""The checklist report: every suite's recorded evidence merged into one verdict per item.

An item is *verified* when at least one test backs it and all of them passed, *failed* when
any failed or errored, and *needs manual review* when nothing ran for it or every test was
skipped. The report reads only typed evidence (:mod:`deploycheck.checklist.evidence`): the
suites' results files and the image suite's ``image.json``, whose numbers it shows as a table
of its own. It runs no check itself: the Blueprint rules behind items 2-6 are tests in the
config suite, so their verdict arrives as evidence like any other. A reviewer reads one page:
``reports/checklist.md`` (and ``.json``, and the GitHub job summary when
``GITHUB_STEP_SUMMARY`` is set).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploycheck.checklist.evidence import (
    IMAGE_EVIDENCE,
    RESULTS_DIR,
    Evidence,
    ImageEvidence,
    Outcome,
    load_evidence,
)
from deploycheck.checklist.items import ITEMS, ChecklistItem
from deploycheck.findings import Finding, Level, Result
from deploycheck.reporters.markdown import cell

VERIFIED, FAILED, NEEDS_REVIEW = "verified", "failed", "needs manual review"
ICONS = {VERIFIED: "✅", FAILED: "❌", NEEDS_REVIEW: "⚠️"}
REPORT_NAME = "checklist"
REHEARSAL_NAME = "rehearsal"
MB = 1_000_000


def status_of(outcomes: Iterable[Outcome], missing_suites: Iterable[str] = ()) -> str:
    """The item's verdict from its tests' outcomes (see the module docstring); evidence missing
    from a suite the item needs also means a reviewer must look."""
    seen = list(outcomes)
    if any(outcome in (Outcome.FAILED, Outcome.ERROR) for outcome in seen):
        return FAILED
    complete = not list(missing_suites) and all(outcome != Outcome.SKIPPED for outcome in seen)
    if complete and any(outcome == Outcome.PASSED for outcome in seen):
        return VERIFIED
    return NEEDS_REVIEW


@dataclass
class ItemReport:
    """One item with the evidence recorded for it and its verdict."""

    item: ChecklistItem
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def missing_suites(self) -> list[str]:
        """Suites the item needs that recorded no passing test for it."""
        passed = {e.suite for e in self.evidence if e.outcome == Outcome.PASSED}
        return [suite for suite in self.item.suites if suite not in passed]

    @property
    def status(self) -> str:
        return status_of((e.outcome for e in self.evidence), self.missing_suites)

    def as_dict(self) -> dict[str, object]:
        return {
            **self.item.as_dict(),
            "status": self.status,
            "missing_suites": self.missing_suites,
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass
class ChecklistReport:
    """The checklist items and the image numbers, ready to render."""

    items: list[ItemReport]
    image: ImageEvidence | None = None
    # Scenario summaries from reports/rehearsal.json (the deploy suite), when it ran.
    rehearsal: list[dict[str, Any]] | None = None
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def result(self, *, strict: bool = False) -> Result:
        """Findings for the CLI: a failed item is an error, one without evidence a warning,
        or an error too when ``strict`` (CI, where every automatable item must be verified)."""
        findings = []
        for entry in self.items:
            if entry.status == VERIFIED:
                continue
            level = Level.ERROR if entry.status == FAILED or strict else Level.WARNING
            failing = [
                e.nodeid for e in entry.evidence if e.outcome in (Outcome.FAILED, Outcome.ERROR)
            ]
            detail = f": {', '.join(failing)}" if failing else _missing(entry)
            number = entry.item.number
            message = f"{entry.item.title}: {entry.status}{detail}"
            findings.append(
                Finding(f"checklist item {number}", None, f"CHK{number:03d}", message, level)
            )
        return Result(findings)

    def as_dict(self) -> dict[str, object]:
        return {
            "generated_at": self.generated_at,
            "ok": self.result().ok,
            "items": [entry.as_dict() for entry in self.items],
            "image": self.image.as_dict() if self.image else None,
        }

    def markdown(self) -> str:
        lines = [
            "# Security checklist report",
            "",
            f"Generated {self.generated_at}. Statuses: **verified** (tests ran and all passed), "
            "**failed** (a test failed), **needs manual review** (no automated evidence ran, or "
            "none from a suite the item needs, e.g. the container suite without Docker).",
            "",
            "| # | item | status | tests passed |",
            "| --- | --- | --- | --- |",
        ]
        for entry in self.items:
            passed = sum(1 for e in entry.evidence if e.outcome == Outcome.PASSED)
            lines.append(
                f"| {entry.item.number} | {entry.item.title} | {ICONS[entry.status]} "
                f"{entry.status} | {passed}/{len(entry.evidence)} |"
            )
        for entry in self.items:
            lines += _item_section(entry)
        lines += ["", *_image_section(self.image)]
        lines += ["", "## Deploy rehearsal", "", *_rehearsal_lines(self.rehearsal)]
        return "\n".join(lines) + "\n"


def _missing(entry: ItemReport) -> str:
    suites = entry.missing_suites
    return f" (no passing evidence from the {', '.join(suites)} suite)" if suites else ""


def _item_section(entry: ItemReport) -> list[str]:
    item = entry.item
    lines = [
        "",
        f"## {item.number}. {item.title}: {ICONS[entry.status]} {entry.status}{_missing(entry)}",
        "",
        f"Automated: {item.automated}",
        "",
    ]
    if entry.evidence:
        lines += ["| outcome | suite | test | what it shows |", "| --- | --- | --- | --- |"]
        for e in entry.evidence:
            lines.append(f"| {e.outcome} | {e.suite} | `{e.nodeid}` | {cell(e.summary)} |")
    else:
        lines.append("No test backing this item ran.")
    if item.manual:
        lines += ["", "Manual steps for the reviewer:", ""]
        lines += [f"- [ ] {step}" for step in item.manual]
    return lines


def _mb(size: int | None) -> str:
    return "n/a" if size is None else f"{size / MB:.1f} MB"


def _image_section(image: ImageEvidence | None) -> list[str]:
    if image is None:
        return ["## Image", "", "No image evidence: the container suite did not run."]
    lines = [
        f"## Image: `{image.image}`",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| total size | {_mb(image.size)} |",
        f"| base (`{image.base}`) | {_mb(image.base_size)} |",
        f"| added by the Dockerfile | {_mb(image.added_size)} |",
        *(f"| build {name} | {seconds:.1f} s |" for name, seconds in image.build_seconds.items()),
        *(f"| {name} | {seconds:.1f} s |" for name, seconds in image.run_seconds.items()),
        "",
        "Largest layers:",
        "",
        *(f"- {_mb(layer.size)}: `{cell(layer.instruction)}`" for layer in image.top_layers),
        "",
        "Wasted space (IMG004):",
        "",
    ]
    lines += [f"- {cell(message)}" for message in image.wasted] or ["- none found"]
    return lines


def _rehearsal_lines(rehearsal: list[dict[str, Any]] | None) -> list[str]:
    """One line per scenario of reports/rehearsal.json, and where the timelines are."""
    if rehearsal is None:
        return ["None: the deploy suite did not run."]
    lines = [f"Timelines and details: [rehearsal.md]({REHEARSAL_NAME}.md).", ""]
    lines += ["| scenario | verdict | requests failed | writes lost |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {s['name']} | {s['verdict']} | {s['requests_failed']}/{s['requests_total']} | "
        f"{s['writes_lost']} |"
        for s in rehearsal
    ]
    return lines


def build_report(report_dir: Path) -> ChecklistReport:
    """Merge the evidence under ``report_dir``: the suites' results, ``image.json`` and the
    deploy rehearsal's ``rehearsal.json``."""
    evidence = load_evidence(report_dir / RESULTS_DIR)
    items = [ItemReport(item, [e for e in evidence if item.number in e.items]) for item in ITEMS]
    report = ChecklistReport(items, ImageEvidence.load(report_dir / IMAGE_EVIDENCE))
    rehearsal = report_dir / f"{REHEARSAL_NAME}.json"
    if rehearsal.is_file():
        report.rehearsal = json.loads(rehearsal.read_text(encoding="utf-8"))["scenarios"]
    return report


def write_report(
    report: ChecklistReport, output_dir: Path, step_summary: Path | None = None
) -> list[Path]:
    """Write ``checklist.md`` and ``checklist.json``; append the Markdown to the job summary."""
    output_dir.mkdir(parents=True, exist_ok=True)
    markdown = report.markdown()
    written = [output_dir / f"{REPORT_NAME}.md", output_dir / f"{REPORT_NAME}.json"]
    written[0].write_text(markdown, encoding="utf-8")
    written[1].write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    if step_summary is not None:
        with step_summary.open("a", encoding="utf-8") as summary:
            summary.write(markdown)
    return written
