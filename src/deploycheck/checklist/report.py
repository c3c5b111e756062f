"""The checklist report: every suite's recorded evidence merged into one verdict per item.

An item is *verified* when at least one test backs it and all of them passed, *failed* when
any failed or errored, and *needs manual review* when nothing ran for it or every test was
skipped. The report also carries the Blueprint findings for render.yaml and the image report
(``reports/image.md``) so a reviewer reads one page: ``reports/checklist.md`` (and ``.json``,
and the GitHub job summary when ``GITHUB_STEP_SUMMARY`` is set).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploycheck.blueprint_check import check_blueprint
from deploycheck.checklist.items import ITEMS, ChecklistItem
from deploycheck.errors import ConfigFileError, HarnessError
from deploycheck.findings import Finding, Level, Result
from deploycheck.registry import REGISTRY
from deploycheck.reporters import MarkdownReporter
from deploycheck.testing.checklist_plugin import RESULTS_DIR

VERIFIED, FAILED, NEEDS_REVIEW = "verified", "failed", "needs manual review"
ICONS = {VERIFIED: "✅", FAILED: "❌", NEEDS_REVIEW: "⚠️"}
REPORT_NAME = "checklist"
REHEARSAL_NAME = "rehearsal"


def load_evidence(results_dir: Path) -> list[dict[str, Any]]:
    """Every recorded result, keeping only the latest one per test id."""
    files = sorted(results_dir.glob("results-*.json"))
    if not files:
        raise ConfigFileError(
            f"no checklist results in {results_dir}. Hint: run the suites first "
            "(scripts/test, or pytest tests/unit tests/config tests/container)."
        )
    latest: dict[str, dict[str, Any]] = {}
    for path in files:
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["results"]
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigFileError(f"{path}: not a checklist results file ({exc})") from None
        for record in records:
            known = latest.get(record["nodeid"])
            if known is None or record["timestamp"] >= known["timestamp"]:
                latest[record["nodeid"]] = record
    return sorted(latest.values(), key=lambda record: record["nodeid"])


def status_of(outcomes: Iterable[str], missing_suites: Iterable[str] = ()) -> str:
    """The item's verdict from its tests' outcomes (see the module docstring); evidence missing
    from a suite the item needs also means a reviewer must look."""
    seen = list(outcomes)
    if any(outcome in ("failed", "error") for outcome in seen):
        return FAILED
    complete = not list(missing_suites) and all(outcome != "skipped" for outcome in seen)
    if complete and any(outcome == "passed" for outcome in seen):
        return VERIFIED
    return NEEDS_REVIEW


@dataclass
class ItemReport:
    """One item with the evidence recorded for it and its verdict."""

    item: ChecklistItem
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing_suites(self) -> list[str]:
        """Suites the item needs that recorded no passing test for it."""
        passed = {r["suite"] for r in self.evidence if r["outcome"] == "passed"}
        return [suite for suite in self.item.suites if suite not in passed]

    @property
    def status(self) -> str:
        return status_of((r["outcome"] for r in self.evidence), self.missing_suites)

    def as_dict(self) -> dict[str, object]:
        return {
            **self.item.as_dict(),
            "status": self.status,
            "missing_suites": self.missing_suites,
            "evidence": self.evidence,
        }


@dataclass
class ChecklistReport:
    """The checklist items, the Blueprint findings and the image report, ready to render."""

    items: list[ItemReport]
    blueprint: Result | None
    blueprint_error: str | None = None
    image_markdown: str | None = None
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
            failing = [r["nodeid"] for r in entry.evidence if r["outcome"] in ("failed", "error")]
            detail = f": {', '.join(failing)}" if failing else _missing(entry)
            number = entry.item.number
            message = f"{entry.item.title}: {entry.status}{detail}"
            findings.append(
                Finding(f"checklist item {number}", None, f"CHK{number:03d}", message, level)
            )
        return Result(findings)

    def as_dict(self) -> dict[str, object]:
        blueprint = self.blueprint
        return {
            "generated_at": self.generated_at,
            "ok": self.result().ok,
            "items": [entry.as_dict() for entry in self.items],
            "blueprint": {
                "ok": blueprint.ok if blueprint else None,
                "error": self.blueprint_error,
                "findings": [f.as_dict() for f in blueprint.findings] if blueprint else [],
            },
            "image_report": self.image_markdown is not None,
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
            passed = sum(1 for r in entry.evidence if r["outcome"] == "passed")
            lines.append(
                f"| {entry.item.number} | {entry.item.title} | {ICONS[entry.status]} "
                f"{entry.status} | {passed}/{len(entry.evidence)} |"
            )
        for entry in self.items:
            lines += _item_section(entry)
        lines += ["", "## Render Blueprint check (`render.yaml`)", ""]
        if self.blueprint is not None:
            lines.append(MarkdownReporter().render(self.blueprint.findings, REGISTRY.infos()))
        else:
            lines.append(f"The check could not run: {self.blueprint_error}")
        if self.image_markdown:
            lines += ["", _demote(self.image_markdown)]
        else:
            lines += ["", "## Image report", "", "None: the container suite did not run."]
        lines += ["", "## Deploy rehearsal", ""] + _rehearsal_lines(self.rehearsal)
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
        for record in entry.evidence:
            summary = record["summary"].replace("|", "\\|")
            lines.append(
                f"| {record['outcome']} | {record['suite']} | `{record['nodeid']}` | {summary} |"
            )
    else:
        lines.append("No test backing this item ran.")
    if item.manual:
        lines += ["", "Manual steps for the reviewer:", ""]
        lines += [f"- [ ] {step}" for step in item.manual]
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


def _demote(markdown: str) -> str:
    """Headings one level down, so an included report nests under this report's heading."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.splitlines())


def build_report(results_dir: Path, blueprint_path: Path, image_report: Path) -> ChecklistReport:
    """Merge the evidence, run the Blueprint check and read the image report if present."""
    evidence = load_evidence(results_dir)
    items = [ItemReport(item, [r for r in evidence if item.number in r["items"]]) for item in ITEMS]
    report = ChecklistReport(items, None)
    try:
        report.blueprint = check_blueprint(blueprint_path, root=blueprint_path.parent)
    except HarnessError as exc:
        report.blueprint_error = str(exc)
    if image_report.is_file():
        report.image_markdown = image_report.read_text(encoding="utf-8")
    rehearsal = image_report.parent / f"{REHEARSAL_NAME}.json"
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


def results_dir_in(report_dir: Path) -> Path:
    """Where the pytest plugin writes results under ``report_dir``."""
    return report_dir / RESULTS_DIR
