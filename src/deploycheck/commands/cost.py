"""``deploycheck cost``: the Blueprint's monthly cost, and its change against a ref or file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from deploycheck import cost, prices
from deploycheck.commands.common import EXIT_OK, readable_file
from deploycheck.config_args import add_config_options, chosen_config
from deploycheck.targets.blueprint import Blueprint


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
