"""Options more than one command offers: ``--config FILE`` / ``--no-config`` (and the config
they choose) and ``--report-dir``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from deploycheck.config import Config, config_for
from deploycheck.reporters import report_dir


def add_config_options(
    parser: argparse.ArgumentParser, *, config_help: str, no_config_help: str
) -> None:
    """``--config FILE`` or ``--no-config``, never both; the help says what each command reads."""
    configs = parser.add_mutually_exclusive_group()
    configs.add_argument("--config", type=Path, help=config_help)
    configs.add_argument("--no-config", action="store_true", help=no_config_help)


def chosen_config(args: argparse.Namespace, checked: Path) -> Config:
    """The config those options name: ``--config``, else $DEPLOYCHECK_CONFIG, else the nearest
    one from ``checked`` upward; none at all with ``--no-config``."""
    explicit = args.config if args.config is not None else os.environ.get("DEPLOYCHECK_CONFIG")
    return config_for(checked, explicit=explicit, use_files=not args.no_config)


def add_report_dir_option(parser: argparse.ArgumentParser, *, holds: str) -> None:
    """``--report-dir``, the folder the CI job uploads; ``holds`` says what this command puts
    there."""
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=report_dir(Path()),
        help=f"where {holds} (default: $REPORT_DIR or %(default)s)",
    )
