"""Command line: ``deploycheck <command> [options]``.

Exit codes, the same for every command:

- 0: no finding at error level;
- 1: at least one error-level finding;
- 2: the check could not run: a usage error, an unreadable input (missing, a directory, not
  UTF-8, a symlink loop), a bad config (named at file:line), a missing tool; one line;
- 3: an internal error (a bug in deploycheck): one line naming the file and "internal error";
  the traceback only with ``--debug``.

The CLI parses arguments, runs a checker and reports; each command is a small class in
:data:`COMMANDS`. Library code never exits and never prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, Protocol, TextIO

from deploycheck import __version__, baseline, catalogue, cost, gate, init, prices
from deploycheck.blueprint_check import check_blueprint
from deploycheck.checklist.report import build_report, checklist_of, write_report
from deploycheck.config import Config
from deploycheck.config_args import add_config_options, add_report_dir_option, chosen_config
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.errors import ConfigFileError, HarnessError
from deploycheck.findings import Level, Result
from deploycheck.official_schema import OFFICIAL_SCHEMA_URL
from deploycheck.registry import REGISTRY, RuleCrashError, load_all
from deploycheck.rehearse.command import RehearseCommand
from deploycheck.reporters import REPORTERS
from deploycheck.reporters.base import packaged_docs_url
from deploycheck.rules.requirements import check_requirements
from deploycheck.targets.blueprint import Blueprint

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3
# The formats people read in a terminal or a job log, where a command's notes may go too.
PLAIN_FORMATS = frozenset({"text", "github"})


class UsageError(Exception):
    """A bad command line; argparse's message, printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


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


def _config(args: argparse.Namespace, checked: Path) -> Config:
    found = chosen_config(args, checked)
    # Env-var options are applied by the checker itself, so library callers get them too.
    return found.with_overrides(levels=dict(args.rule), environ={})


def _report(
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
    reporter = REPORTERS[_format(args)](docs_url=args.docs_url, show_docs=args.show_docs)
    print(reporter.render(verdict.shown, REGISTRY.infos()), file=out)
    notes = out if _format(args) in PLAIN_FORMATS else err
    for note in verdict.notes():
        print(note, file=notes)
    return EXIT_OK if verdict.ok else EXIT_FINDINGS


def _format(args: argparse.Namespace) -> str:
    return args.format or default_format()


def default_format(environ: dict[str, str] | None = None) -> str:
    """``github`` inside a GitHub Actions job (annotations on the diff), else ``text``."""
    env = os.environ if environ is None else environ
    in_actions = env.get("GITHUB_ACTIONS") == "true" and "github" in REPORTERS
    return "github" if in_actions else "text"


class BlueprintCommand:
    name = "blueprint"
    help = "check a Render Blueprint: YAML, schema, Blueprint and cross-file rules"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        _paths(parser, "render.yaml")
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
        parser.add_argument(
            "--official-schema",
            nargs="?",
            const=OFFICIAL_SCHEMA_URL,
            metavar="PATH|URL",
            help="also validate against Render's published schema (default URL: %(const)s; "
            "cached, used offline from the cache; exit 2 if it cannot be had at all)",
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        def check(path: Path, shown: str, config: Config) -> Result:
            return check_blueprint(
                path,
                root=args.root,
                config=config,
                crossfile_rules=not args.no_crossfile,
                display_path=shown,
                official_schema=args.official_schema,
                official_required=args.official_schema is not None,
            )

        return _check_each(args, "Blueprint", check, out, err)


def _paths(parser: argparse.ArgumentParser, default: str) -> None:
    """The checked files: one by default; several when a pre-commit hook passes them."""
    parser.add_argument(
        "path", nargs="*", default=[default], help=f"one or more (default: {default})"
    )


def _check_each(
    args: argparse.Namespace,
    kind: str,
    check: Callable[[Path, str, Config], Result],
    out: TextIO,
    err: TextIO,
) -> int:
    """Run ``check`` on every named file (each under its own config) and report them as one."""
    merged, configs = Result(), []
    for name in args.path:
        path = readable_file(name, kind)
        configs.append(_config(args, path))
        merged.extend(check(path, name, configs[-1]).findings)
    return _report(args, merged, out, err, configs[0])


def _path_and_root(
    parser: argparse.ArgumentParser, path: str, root: Path | None, root_help: str
) -> None:
    """The checked files (optional, with a default) and the folder their rules read."""
    _paths(parser, path)
    parser.add_argument("--root", type=Path, default=root, help=root_help)


class DockerfileCommand:
    name = "dockerfile"
    help = "check a Dockerfile: DF rules, its build context's .dockerignore and hadolint"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        _path_and_root(
            parser,
            "Dockerfile",
            Path("."),
            "the build context, where its .dockerignore is (default: %(default)s)",
        )
        parser.add_argument(
            "--target", help="the stage that ships, as `docker build --target` (default: the last)"
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        def check(path: Path, shown: str, config: Config) -> Result:
            return check_dockerfile(path, root=args.root, config=config, target=args.target)

        return _check_each(args, "Dockerfile", check, out, err)


class RequirementsCommand:
    name = "requirements"
    help = "check runtime requirements: no development tools, every direct one imported"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        _path_and_root(
            parser,
            "requirements.txt",
            None,
            "the project whose code must import them (default: the file's folder)",
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        def check(path: Path, shown: str, config: Config) -> Result:
            root = args.root if args.root is not None else path.parent
            return check_requirements(path, root=root, config=config)

        return _check_each(args, "requirements file", check, out, err)


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
        config = _config(args, Path())
        report = build_report(args.report_dir, checklist_of(config))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        written = write_report(report, args.report_dir, Path(summary) if summary else None)
        # Structured formats (json, sarif, markdown) are the whole of stdout, for a parser.
        notes = out if _format(args) in PLAIN_FORMATS else err
        for entry in report.items:
            print(
                f"checklist item {entry.item.number}: {entry.status} ({entry.item.title})",
                file=notes,
            )
        print("wrote " + ", ".join(str(path) for path in written), file=notes)
        return _report(args, report.result(strict=args.strict), out, err, config)


class BaselineCommand:
    name = "baseline"
    help = "write the current findings to a baseline file: with --baseline, only new ones count"
    # Each check the baseline can hold, the file it reads by default, and how to run it.
    checks = {
        "dockerfile": ("Dockerfile", lambda path, config: check_dockerfile(path, config=config)),
        "blueprint": ("render.yaml", lambda path, config: check_blueprint(path, config=config)),
        "requirements": (
            "requirements.txt",
            lambda path, config: check_requirements(path, root=path.parent, config=config),
        ),
    }

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        for check, (default, _) in self.checks.items():
            parser.add_argument(
                f"--{check}",
                metavar="PATH",
                help=f"the file `deploycheck {check}` checks (default: {default} if present)",
            )
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            default=Path(baseline.BASELINE_FILE),
            help="where to write it (default: %(default)s)",
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        named = {check: getattr(args, check) for check in self.checks}
        chosen = {check: path for check, path in named.items() if path}
        if not chosen:
            chosen = {c: d for c, (d, _) in self.checks.items() if Path(d).is_file()}
        if not chosen:
            raise ConfigFileError(
                "nothing to baseline: no Dockerfile, render.yaml or requirements.txt here; "
                "name files with --dockerfile, --blueprint or --requirements"
            )
        results = {}
        for check, name in chosen.items():
            path = readable_file(name, check)
            results[check] = self.checks[check][1](path, _config(args, path)).findings
        made = baseline.build(results)
        made.write(args.output)
        counts = ", ".join(f"{check} {len(found)}" for check, found in results.items())
        print(f"wrote {args.output}: {counts} finding(s)", file=out)
        return EXIT_OK


class CostCommand:
    name = "cost"
    help = "the Blueprint's monthly cost on Render, and its change against a git ref or file"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", default="render.yaml", help="default: %(default)s")
        parser.add_argument(
            "--base",
            "--against",
            metavar="REF|FILE",
            help="price the same Blueprint at this git ref (or this file) and show the change",
        )
        parser.add_argument(
            "--prices",
            metavar="FILE",
            help="a YAML table over the shipped prices and the config's cost: section (same "
            f"shape as deploycheck/data/{prices.PRICES})",
        )
        add_config_options(
            parser,
            config_help="config whose cost: section to use (default: $DEPLOYCHECK_CONFIG, else "
            "the nearest one from the Blueprint upward)",
            no_config_help="the shipped prices only",
        )
        parser.add_argument(
            "--format", choices=sorted(cost.RENDERERS), default="text", help="default: text"
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        path = readable_file(args.path, "Blueprint")
        table = prices.load_prices(*self._overrides(args, path))
        after = cost.estimate(cost.usable(Blueprint.load(path, args.path), args.path), table)
        before = None
        if args.base:
            before = cost.estimate(cost.blueprint_at(args.base, path), table)
        print(cost.RENDERERS[args.format](after, before, args.base or ""), file=out, end="\n")
        return EXIT_OK

    @staticmethod
    def _overrides(args: argparse.Namespace, path: Path) -> list[dict]:
        """The tables over the shipped one, lowest first: the config's file, its inline
        parts, ``--prices``."""
        config = chosen_config(args, path)
        tables = [prices.load_table(config.prices_file)] if config.prices_file else []
        tables.append(dict(config.prices))
        if args.prices:
            tables.append(prices.load_table(args.prices))
        return tables


class InitCommand:
    name = "init"
    help = (
        "write a starter .deploycheck.yaml from the project's Dockerfile, Blueprint and workflows"
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "root", nargs="?", type=Path, default=Path("."), help="the project (default: .)"
        )
        parser.add_argument("--force", action="store_true", help="replace an existing config")

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        written, found = init.write_config(args.root, force=args.force)
        for note in found.notes:
            print(f"found: {note}", file=out)
        print(f"wrote {written}: {len(found.rules)} rule setting(s)", file=out)
        return EXIT_OK


class RulesCommand:
    name = "rules"
    help = "list every rule: id, default level, summary and options"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--format", choices=sorted(catalogue.RENDERERS), default="text", help="default: text"
        )

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        print(catalogue.render(args.format), file=out, end="")
        return EXIT_OK


COMMANDS: list[Command] = [
    BlueprintCommand(),
    DockerfileCommand(),
    RequirementsCommand(),
    ReportCommand(),
    BaselineCommand(),
    CostCommand(),
    InitCommand(),
    RulesCommand(),
    RehearseCommand(),
]


def _level_override(text: str) -> tuple[str, str]:
    rule_id, sep, level = text.partition("=")
    if not sep or not rule_id or not level:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ID=LEVEL, e.g. DF012=warning")
    return rule_id.strip().upper(), level.strip().lower()


def _format_option() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--format",
        choices=sorted(REPORTERS),
        help="output format (default: github when GITHUB_ACTIONS=true, else text)",
    )
    common.add_argument(
        "--show-docs",
        action="store_true",
        help="text: end each finding with its rule's page, not only the last line",
    )
    common.add_argument(
        "--docs-url",
        metavar="URL",
        default=os.environ.get("DEPLOYCHECK_DOCS_URL") or packaged_docs_url(),
        help="where the folder holding docs/rules.md is served, e.g. "
        "https://github.com/OWNER/REPO/blob/main/: rule links (SARIF helpUri, the text "
        "output's rule pages) point into it (default: $DEPLOYCHECK_DOCS_URL, else the "
        "package's Rules URL: %(default)s)",
    )
    return common


def _check_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    add_config_options(
        common,
        config_help="config file (default: $DEPLOYCHECK_CONFIG, else the nearest "
        ".deploycheck.yaml or pyproject.toml with [tool.deploycheck] from the checked file upward)",
        no_config_help="use no config file: the generic defaults",
    )
    common.add_argument(
        "--rule",
        type=_level_override,
        action="append",
        default=[],
        metavar="ID=LEVEL",
        help="set a rule's level (error, warning, info, off) over the config; repeatable",
    )
    return common


def _gate_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--fail-level",
        choices=[str(level) for level in sorted(Level, reverse=True)],
        default="error",
        help="the lowest level that fails (exit 1); default: %(default)s",
    )
    common.add_argument(
        "--baseline",
        metavar="FILE",
        help="only findings this baseline (`deploycheck baseline`) does not hold count; "
        "those it holds that are gone are named",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deploycheck",
        description="Check a Dockerfile and a Render Blueprint before they deploy. "
        "Exit 0 ok, 1 error-level findings, 2 cannot check (usage, input, config), "
        "3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"deploycheck {__version__}")
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument(
        "--debug", action="store_true", help="on an internal error, print the traceback"
    )
    subparsers = parser.add_subparsers(
        dest="command_name", required=True, metavar="command", parser_class=_Parser
    )
    fmt, check_options, gates = _format_option(), _check_options(), _gate_options()
    for command in COMMANDS:
        parents = {
            "blueprint": [debug, fmt, check_options, gates],
            "dockerfile": [debug, fmt, check_options, gates],
            "requirements": [debug, fmt, check_options, gates],
            "report": [debug, fmt, check_options, gates],
            "baseline": [debug, check_options],
        }.get(command.name, [debug])
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
