"""What every command shares: the exit codes, the command shape, reading a named file, the
config a command runs under, and reporting findings through the gate."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Protocol, TextIO

from deploycheck import baseline, gate
from deploycheck.config import Config
from deploycheck.config_args import chosen_config
from deploycheck.errors import ConfigFileError
from deploycheck.findings import Level, Result
from deploycheck.registry import REGISTRY
from deploycheck.reporters import REPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3
# The formats people read in a terminal or a job log, where a command's notes may go too.
PLAIN_FORMATS = frozenset({"text", "github"})


class Command(Protocol):
    """One subcommand: its name, one-line help, its arguments and what it runs."""

    name: str
    help: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int: ...


def readable_file(path: str, kind: str) -> Path:
    """``path`` if it is a UTF-8 text file; else a ConfigFileError saying what it is instead."""
    where = Path(path)
    try:
        where.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigFileError(f"cannot read {kind} {path}: no such file") from None
    except IsADirectoryError:
        raise ConfigFileError(
            f"cannot read {kind} {path}: is a directory, expected a file"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            f"cannot read {kind} {path}: not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:  # a symlink loop, a permission problem, a device
        raise ConfigFileError(f"cannot read {kind} {path}: {exc.strerror or exc}") from None
    return where


def check_config(args: argparse.Namespace, checked: Path) -> Config:
    """The config a check of ``checked`` runs under, with ``--rule`` levels over it."""
    # Env-var options are applied by the checker itself, so library callers get them too.
    return chosen_config(args, checked).with_overrides(levels=dict(args.rule), environ={})


def report(
    args: argparse.Namespace,
    result: Result,
    out: TextIO,
    err: TextIO,
    config: Config | None = None,
) -> int:
    """Show the findings that count under ``--baseline``, ``--fail-level`` and the config's
    ``rules-version:``, with notes on what they left out; 1 when one of them fails."""
    settings = config or Config()
    verdict = gate.judge(
        args.command_name,
        result.findings,
        fail_level=Level.named(args.fail_level),
        baseline=baseline.load(args.baseline) if args.baseline else None,
        deferred=settings.deferred,
        rules_version=settings.rules_version,
    )
    reporter = REPORTERS[output_format(args)](docs_url=args.docs_url, show_docs=args.show_docs)
    print(reporter.render(verdict.shown, REGISTRY.infos()), file=out)
    notes = notes_stream(args, out, err)
    for note in verdict.notes():
        print(note, file=notes)
    return EXIT_OK if verdict.ok else EXIT_FINDINGS


def notes_stream(args: argparse.Namespace, out: TextIO, err: TextIO) -> TextIO:
    """Where a command's notes go: stdout in a plain format; stderr in a structured one
    (json, sarif, markdown), whose output is the whole of stdout, for a parser."""
    return out if output_format(args) in PLAIN_FORMATS else err


def output_format(args: argparse.Namespace) -> str:
    return args.format or default_format()


def default_format(environ: dict[str, str] | None = None) -> str:
    """``github`` inside a GitHub Actions job (annotations on the diff), else ``text``."""
    env = os.environ if environ is None else environ
    in_actions = env.get("GITHUB_ACTIONS") == "true" and "github" in REPORTERS
    return "github" if in_actions else "text"
