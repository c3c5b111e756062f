"""The option groups several commands take (argparse parent parsers): ``--debug``, the output
format, the config and rule levels of a check, and the gate's ``--fail-level``/``--baseline``."""

from __future__ import annotations

import argparse
import os

from deploycheck.config_args import add_config_options
from deploycheck.findings import Level
from deploycheck.reporters import REPORTERS
from deploycheck.reporters.base import packaged_docs_url


def debug_option() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", help="on an internal error, print the traceback"
    )
    return common


def format_options() -> argparse.ArgumentParser:
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


def level_override(text: str) -> tuple[str, str]:
    """``ID=LEVEL`` (``--rule DF012=warning``) as ``("DF012", "warning")``."""
    rule_id, sep, level = text.partition("=")
    if not sep or not rule_id or not level:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ID=LEVEL, e.g. DF012=warning")
    return rule_id.strip().upper(), level.strip().lower()


def check_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    add_config_options(
        common,
        config_help="config file (default: $DEPLOYCHECK_CONFIG, else the nearest "
        ".deploycheck.yaml or pyproject.toml with [tool.deploycheck] from the checked file upward)",
        no_config_help="use no config file: the generic defaults",
    )
    common.add_argument(
        "--rule",
        type=level_override,
        action="append",
        default=[],
        metavar="ID=LEVEL",
        help="set a rule's level (error, warning, info, off) over the config; repeatable",
    )
    return common


def gate_options() -> argparse.ArgumentParser:
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
