"""Command line: ``deploycheck <command> [options]``.

The CLI only parses arguments, runs a checker and turns its :class:`Result` into an exit code:
0 when no finding is an error, 1 when one is, 2 when the check could not run (a missing file,
a bad option or policy override). Each command is a small class in :data:`COMMANDS`; adding
one means writing a class with the same four members and listing it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Protocol, TextIO

from deploycheck.blueprint_check import check_blueprint
from deploycheck.checklist.report import build_report, write_report
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.errors import HarnessError
from deploycheck.findings import Result
from deploycheck.registry import load_all
from deploycheck.reporters import REPORTERS, report_dir

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2


class Command(Protocol):
    """One subcommand: its name, one-line help, its arguments and the check it runs."""

    name: str
    help: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> Result: ...


class BlueprintCommand:
    name = "blueprint"
    help = "check a Render Blueprint: YAML, schema, policy and cross-file rules"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", default="render.yaml", help="default: %(default)s")
        parser.add_argument(
            "--root",
            type=Path,
            help="repository the cross-file rules read (default: the Blueprint's folder)",
        )
        parser.add_argument(
            "--no-crossfile",
            action="store_true",
            help="skip the rules that read the Dockerfile, app/ and requirements.txt",
        )

    def run(self, args: argparse.Namespace) -> Result:
        return check_blueprint(args.path, root=args.root, crossfile_rules=not args.no_crossfile)


class DockerfileCommand:
    name = "dockerfile"
    help = "check a Dockerfile: DF rules, its build context's .dockerignore and hadolint"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "path", nargs="?", default="Dockerfile.render", help="default: %(default)s"
        )
        parser.add_argument(
            "--root",
            type=Path,
            default=Path("."),
            help="the build context: its .dockerignore, .hadolint.yaml and render.yaml "
            "(default: %(default)s)",
        )

    def run(self, args: argparse.Namespace) -> Result:
        return check_dockerfile(args.path, root=args.root)


class ReportCommand:
    name = "report"
    help = "merge the suites' checklist results into reports/checklist.md and .json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--report-dir",
            type=Path,
            default=report_dir(Path()),
            help="where the suites wrote results and the report goes (default: $REPORT_DIR "
            "or %(default)s)",
        )
        # In CI a skipped or missing suite must not pass as a green run.
        parser.add_argument(
            "--strict",
            action=argparse.BooleanOptionalAction,
            default=os.environ.get("CI") == "true",
            help="an item that needs manual review is an error, not a warning "
            "(default: on when CI=true)",
        )

    def run(self, args: argparse.Namespace) -> Result:
        report = build_report(args.report_dir)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        written = write_report(report, args.report_dir, Path(summary) if summary else None)
        for entry in report.items:
            print(f"checklist item {entry.item.number}: {entry.status} ({entry.item.title})")
        print("wrote " + ", ".join(str(path) for path in written))
        return report.result(strict=args.strict)


COMMANDS: list[Command] = [BlueprintCommand(), DockerfileCommand(), ReportCommand()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deploycheck",
        description="Check gradetracker's deploy configuration; exit 0 ok, 1 errors, 2 unusable.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format", choices=sorted(REPORTERS), default="text", help="default: %(default)s"
    )
    subparsers = parser.add_subparsers(dest="command_name", required=True, metavar="command")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.name, help=command.help, parents=[common])
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return parser


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run one command; returns the exit code (argparse itself exits 2 on a usage error)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        result = args.command.run(args)
    except HarnessError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_UNUSABLE
    print(REPORTERS[args.format]().render(result.findings, load_all().infos()), file=out)
    return EXIT_OK if result.ok else EXIT_FINDINGS
