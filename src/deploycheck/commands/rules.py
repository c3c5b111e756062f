"""``deploycheck rules``: the rule catalogue."""

from __future__ import annotations

import argparse
from typing import TextIO

from deploycheck import catalogue
from deploycheck.commands.common import EXIT_OK


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
