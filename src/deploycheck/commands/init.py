"""``deploycheck init``: write a starter config from what the project holds."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from deploycheck import init
from deploycheck.commands.common import EXIT_OK


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
