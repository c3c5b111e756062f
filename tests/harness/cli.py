"""Command line: ``python -m tests.harness <command> [options]``.

The CLI only parses arguments, runs a checker and turns its :class:`Result` into an exit code:
0 when no finding is an error, 1 when one is, 2 when the check could not run (a missing file,
a bad option or policy override). Each command is a small class in :data:`COMMANDS`; adding
one (``dockerfile``, say) means writing a class with the same four members and listing it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Protocol, TextIO

from tests.harness.blueprint_check import check_blueprint
from tests.harness.errors import HarnessError
from tests.harness.findings import Result
from tests.harness.reporters import REPORTERS

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


COMMANDS: list[Command] = [BlueprintCommand()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.harness",
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
    print(REPORTERS[args.format]().render(result), file=out)
    return EXIT_OK if result.ok else EXIT_FINDINGS
