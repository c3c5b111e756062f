"""The ``--config FILE`` / ``--no-config`` pair each command that reads a config offers."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_config_options(
    parser: argparse.ArgumentParser, *, config_help: str, no_config_help: str
) -> None:
    """``--config FILE`` or ``--no-config``, never both; the help says what each command reads."""
    configs = parser.add_mutually_exclusive_group()
    configs.add_argument("--config", type=Path, help=config_help)
    configs.add_argument("--no-config", action="store_true", help=no_config_help)
