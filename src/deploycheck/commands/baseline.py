"""``deploycheck baseline``: write the current findings to a baseline file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from deploycheck import baseline
from deploycheck.blueprint_check import check_blueprint
from deploycheck.commands.common import EXIT_OK, check_config, readable_file
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.errors import ConfigFileError
from deploycheck.rules.requirements import check_requirements


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
            results[check] = self.checks[check][1](path, check_config(args, path)).findings
        made = baseline.build(results)
        made.write(args.output)
        counts = ", ".join(f"{check} {len(found)}" for check, found in results.items())
        print(f"wrote {args.output}: {counts} finding(s)", file=out)
        return EXIT_OK
