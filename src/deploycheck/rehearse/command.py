"""``deploycheck rehearse [render.yaml]``: the command line of :mod:`.runner`.

Exit 0 when every scenario that applies passed, 1 when one failed, 2 when the rehearsal could
not run (no engine, a bad Blueprint or config, a build that failed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from deploycheck.config_args import add_config_options, add_report_dir_option, chosen_config
from deploycheck.errors import ConfigFileError, ToolUnavailableError
from deploycheck.rehearse.settings import RehearseSettings


def _build_arg(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return name, value


class RehearseCommand:
    name = "rehearse"
    help = "rehearse Render's deploy of the Blueprint's web service on real containers"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("path", nargs="?", default="render.yaml", help="default: %(default)s")
        add_config_options(
            parser,
            config_help="config file with a rehearse: section (default: $DEPLOYCHECK_CONFIG, "
            "else the nearest .deploycheck.yaml or pyproject.toml from the Blueprint upward)",
            no_config_help="no config: the default load, no writes",
        )
        parser.add_argument(
            "--scenario",
            action="append",
            default=[],
            metavar="NAME",
            help="run only this scenario; repeatable (default: every one that applies)",
        )
        parser.add_argument(
            "--build-arg",
            type=_build_arg,
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a build arg for the image, e.g. a base image's name; repeatable",
        )
        add_report_dir_option(parser, holds="rehearsal.md, .json and the charts go")

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        # The machinery imports testcontainers and the docker engine API: only when run.
        try:
            from deploycheck.rehearse.runner import Rehearsal, rehearse, scenario_names
        except ImportError as exc:
            raise ToolUnavailableError(
                f"deploycheck rehearse needs its extra ({exc}). Hint: pip install "
                "'deploycheck[rehearse]'"
            ) from None

        blueprint = Path(args.path)
        if not blueprint.is_file():
            raise ConfigFileError(f"cannot read Blueprint {args.path}: no such file")
        unknown = sorted(set(args.scenario) - set(scenario_names()))
        if unknown:
            known = ", ".join(scenario_names())
            raise ConfigFileError(f"unknown scenario {unknown[0]!r} (known: {known})")
        config = chosen_config(args, blueprint)
        rehearsal = Rehearsal(
            blueprint.resolve(),
            config.rehearse or RehearseSettings(),
            args.report_dir,
            dict(args.build_arg),
            tuple(args.scenario),
        )
        report = rehearse(rehearsal, lambda line: print(line, file=err, flush=True))
        for scenario in report.scenarios:
            print(f"{scenario.name}: {scenario.verdict}", file=out)
        print(f"wrote {args.report_dir / 'rehearsal.md'}", file=out)
        return 1 if report.failed else 0
