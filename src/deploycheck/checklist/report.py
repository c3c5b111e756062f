"""The checklist report: every suite's recorded evidence merged into one verdict per item.

An item is *verified* when at least one test backs it and all of them passed, *failed* when
any failed or errored, and *needs manual review* when nothing ran for it or every test was
skipped. The items are the project's (``checklist:`` in its config); the report reads only
typed evidence (:mod:`deploycheck.checklist.evidence`) and then embeds, as they are, the
Markdown files the config lists under ``attach:`` (what the suites measured). It runs no
check itself. A reviewer reads one page: ``checklist.md`` in the report directory (and
``.json``, and the GitHub job summary when ``GITHUB_STEP_SUMMARY`` is set).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from deploycheck.checklist.evidence import RESULTS_DIR, Evidence, Outcome, load_evidence
from deploycheck.checklist.items import Attachment, Checklist, ChecklistItem
from deploycheck.errors import ConfigError, ConfigFileError
from deploycheck.findings import Finding, Level, Result
from deploycheck.reporters.markdown import cell
from deploycheck.rules.checklist import CHECKLIST_RULE

if TYPE_CHECKING:
    from deploycheck.config import Config

VERIFIED, FAILED, NEEDS_REVIEW = "verified", "failed", "needs manual review"
ICONS = {VERIFIED: "✅", FAILED: "❌", NEEDS_REVIEW: "⚠️"}
REPORT_NAME = "checklist"
# An ATX heading outside code: an attachment's headings go one level down under the report's.
HEADING = re.compile(r"^#{1,5} ")
FENCE = ("```", "~~~")


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
class AttachedFile:
    """One attachment: the Markdown the config named, or None when no suite wrote it."""

    attachment: Attachment
    text: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.attachment.file,
            "title": self.attachment.title,
            "present": self.text is not None,
        }


@dataclass
class ChecklistReport:
    """The checklist items with their evidence, and the attached files, ready to render."""

    items: list[ItemReport]
    attached: list[AttachedFile] = field(default_factory=list)
    title: str = "Checklist"
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
            message = f"{entry.item.title}: {entry.status}{detail}"
            where = f"checklist item {entry.item.number}"
            findings.append(Finding(where, None, CHECKLIST_RULE, message, level))
        return Result(findings)

    def as_dict(self) -> dict[str, object]:
        return {
            "generated_at": self.generated_at,
            "ok": self.result().ok,
            "items": [entry.as_dict() for entry in self.items],
            "attached": [attached.as_dict() for attached in self.attached],
        }

    def markdown(self) -> str:
        lines = [
            f"# {self.title} report",
            "",
            f"Generated {self.generated_at}. Statuses: **verified** (tests ran and all passed), "
            "**failed** (a test failed), **needs manual review** (no automated evidence ran, or "
            "none from a suite the item needs, e.g. a container suite without Docker).",
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
        for attached in self.attached:
            lines += ["", *_attached_section(attached)]
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


def _attached_section(attached: AttachedFile) -> list[str]:
    """The file as written, its headings one level down; a missing file says why."""
    if attached.text is None:
        missing = attached.attachment
        return [f"## {missing.title}", "", f"Not attached (`{missing.file}`): {missing.missing}."]
    lines, in_code = [], False
    for line in attached.text.rstrip("\n").splitlines():
        if line.lstrip().startswith(FENCE):
            in_code = not in_code
        lines.append(f"#{line}" if not in_code and HEADING.match(line) else line)
    return lines


def _attach(report_dir: Path, attachment: Attachment) -> AttachedFile:
    path = report_dir / attachment.file
    if not path.is_file():
        return AttachedFile(attachment, None)
    try:
        return AttachedFile(attachment, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(f"{path}: cannot attach it to the checklist report ({exc})") from None


def checklist_of(config: Config) -> Checklist:
    """The checklist ``config`` declares; a ``ConfigError`` when it declares none."""
    if config.checklist is None:
        where = f"{config.path}: declares" if config.path else "no deploycheck config found, so"
        raise ConfigError(
            f"{where} no checklist. Hint: list the items under `checklist: items:` in "
            ".deploycheck.yaml (number, title, automated, manual, suites)."
        )
    return config.checklist


def build_report(report_dir: Path, checklist: Checklist) -> ChecklistReport:
    """Merge the suites' results under ``report_dir`` into ``checklist``'s items, and read the
    files it attaches (relative to ``report_dir``)."""
    evidence = load_evidence(report_dir / RESULTS_DIR)
    items = [
        ItemReport(item, [e for e in evidence if item.number in e.items])
        for item in checklist.items
    ]
    attached = [_attach(report_dir, attachment) for attachment in checklist.attach]
    return ChecklistReport(items, attached, checklist.title)


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
