"""``deploycheck report``: merge the suites' checklist results into the checklist report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from deploycheck.checklist.report import build_report, checklist_of, write_report
from deploycheck.commands.common import check_config, notes_stream, report
from deploycheck.config_args import add_report_dir_option


class ReportCommand:
    name = "report"
    help = "merge the suites' checklist results into reports/checklist.md and .json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_report_dir_option(parser, holds="the suites wrote results and the report goes")
        # In CI a skipped or missing suite must not pass as a green run.
        parser.add_argument(
            "--strict",
            action=argparse.BooleanOptionalAction,
            default=os.environ.get("CI") == "true",
            help="an item that needs manual review is an error, not a warning "
            "(default: on when CI=true)",
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        config = check_config(args, Path())
        checklist = build_report(args.report_dir, checklist_of(config))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        written = write_report(checklist, args.report_dir, Path(summary) if summary else None)
        notes = notes_stream(args, out, err)
        for entry in checklist.items:
            print(
                f"checklist item {entry.item.number}: {entry.status} ({entry.item.title})",
                file=notes,
            )
        print("wrote " + ", ".join(str(path) for path in written), file=notes)
        return report(args, checklist.result(strict=args.strict), out, err, config)
