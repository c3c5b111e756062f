"""Command line: ``deploycheck <command> [options]``.

Exit codes, the same for every command:

- 0: no finding at error level;
- 1: at least one error-level finding;
- 2: the check could not run: a usage error, an unreadable input (missing, a directory, not
  UTF-8, a symlink loop), a bad config (named at file:line), a missing tool; one line;
- 3: an internal error (a bug in deploycheck): one line naming the file and "internal error";
  the traceback only with ``--debug``.

This module parses the command line and dispatches to one command of :data:`COMMANDS` (each a
small class in :mod:`deploycheck.commands`), turning what it raises into the exit code. Library
code never exits and never prints.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn, TextIO

from deploycheck import __version__
from deploycheck.commands.baseline import BaselineCommand
from deploycheck.commands.checks import BLUEPRINT, DOCKERFILE, REQUIREMENTS
from deploycheck.commands.common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNUSABLE,
    Command,
    default_format,
)
from deploycheck.commands.cost import CostCommand
from deploycheck.commands.init import InitCommand
from deploycheck.commands.options import (
    check_options,
    debug_option,
    format_options,
    gate_options,
)
from deploycheck.commands.report import ReportCommand
from deploycheck.commands.rules import RulesCommand
from deploycheck.errors import HarnessError
from deploycheck.registry import RuleCrashError, load_all
from deploycheck.rehearse.command import RehearseCommand

__all__ = [
    "COMMANDS",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_UNUSABLE",
    "build_parser",
    "default_format",
    "main",
]

COMMANDS: list[Command] = [
    BLUEPRINT,
    DOCKERFILE,
    REQUIREMENTS,
    ReportCommand(),
    BaselineCommand(),
    CostCommand(),
    InitCommand(),
    RulesCommand(),
    RehearseCommand(),
]


class UsageError(Exception):
    """A bad command line; argparse's message, printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deploycheck",
        description="Check a Dockerfile and a Render Blueprint before they deploy. "
        "Exit 0 ok, 1 error-level findings, 2 cannot check (usage, input, config), "
        "3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"deploycheck {__version__}")
    subparsers = parser.add_subparsers(
        dest="command_name", required=True, metavar="command", parser_class=_Parser
    )
    debug, fmt, checks, gates = debug_option(), format_options(), check_options(), gate_options()
    # The option groups a command takes besides --debug: the checks report through the gate.
    groups = {
        "blueprint": [fmt, checks, gates],
        "dockerfile": [fmt, checks, gates],
        "requirements": [fmt, checks, gates],
        "report": [fmt, checks, gates],
        "baseline": [checks],
    }
    for command in COMMANDS:
        parents = [debug, *groups.get(command.name, [])]
        sub = subparsers.add_parser(command.name, help=command.help, parents=parents)
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run one command and return its exit code; never raises, never prints a bare traceback."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(arguments)
    except UsageError as exc:
        print(f"{exc} (see deploycheck --help)", file=err)
        return EXIT_UNUSABLE
    except SystemExit as exc:  # --help and --version print and exit 0
        return int(exc.code or 0)
    try:
        load_all()
        return args.command.run(args, out, err)
    except HarnessError as exc:
        print(f"deploycheck: error: {' '.join(str(exc).split())}", file=err)
        return EXIT_UNUSABLE
    except Exception as exc:
        named = getattr(args, "path", None)
        checked = " ".join(named) if isinstance(named, list) else named or args.command_name
        what = str(exc) if isinstance(exc, RuleCrashError) else f"{type(exc).__name__}: {exc}"
        print(
            f"deploycheck: internal error while checking {checked}: {' '.join(what.split())}"
            + ("" if args.debug else " (run with --debug for the traceback)"),
            file=err,
        )
        if args.debug:
            traceback.print_exc(file=err)
        return EXIT_INTERNAL
