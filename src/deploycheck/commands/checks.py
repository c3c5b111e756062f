"""``deploycheck blueprint``, ``dockerfile`` and ``requirements``: each checks one or more files
of its kind, each file under its own config, and reports them as one."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from deploycheck.blueprint_check import check_blueprint
from deploycheck.commands.common import check_config, readable_file, report
from deploycheck.config import Config
from deploycheck.dockerfile_check import check_dockerfile
from deploycheck.findings import Result
from deploycheck.official_schema import OFFICIAL_SCHEMA_URL
from deploycheck.rules.requirements import check_requirements


@dataclass(frozen=True)
class CheckCommand:
    """A command that checks files of one ``kind`` (``default`` when none is named) with
    ``check(args, path, shown name, config)``; ``options`` adds the command's own arguments."""

    name: str
    help: str
    kind: str
    default: str
    options: Callable[[argparse.ArgumentParser], None]
    check: Callable[[argparse.Namespace, Path, str, Config], Result]

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        # Several files when a pre-commit hook passes them.
        parser.add_argument(
            "path", nargs="*", default=[self.default], help=f"one or more (default: {self.default})"
        )
        self.options(parser)

    def run(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        merged, configs = Result(), []
        for name in args.path:
            path = readable_file(name, self.kind)
            configs.append(check_config(args, path))
            merged.extend(self.check(args, path, name, configs[-1]).findings)
        return report(args, merged, out, err, configs[0])


def _blueprint_options(parser: argparse.ArgumentParser) -> None:
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


def _blueprint(args: argparse.Namespace, path: Path, shown: str, config: Config) -> Result:
    return check_blueprint(
        path,
        root=args.root,
        config=config,
        crossfile_rules=not args.no_crossfile,
        display_path=shown,
        official_schema=args.official_schema,
        official_required=args.official_schema is not None,
    )


def _dockerfile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the build context, where its .dockerignore is (default: %(default)s)",
    )
    parser.add_argument(
        "--target", help="the stage that ships, as `docker build --target` (default: the last)"
    )


def _dockerfile(args: argparse.Namespace, path: Path, shown: str, config: Config) -> Result:
    return check_dockerfile(path, root=args.root, config=config, target=args.target)


def _requirements_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        help="the project whose code must import them (default: the file's folder)",
    )


def _requirements(args: argparse.Namespace, path: Path, shown: str, config: Config) -> Result:
    root = args.root if args.root is not None else path.parent
    return check_requirements(path, root=root, config=config)


BLUEPRINT = CheckCommand(
    "blueprint",
    "check a Render Blueprint: YAML, schema, Blueprint and cross-file rules",
    "Blueprint",
    "render.yaml",
    _blueprint_options,
    _blueprint,
)
DOCKERFILE = CheckCommand(
    "dockerfile",
    "check a Dockerfile: DF rules, its build context's .dockerignore and hadolint",
    "Dockerfile",
    "Dockerfile",
    _dockerfile_options,
    _dockerfile,
)
REQUIREMENTS = CheckCommand(
    "requirements",
    "check runtime requirements: no development tools, every direct one imported",
    "requirements file",
    "requirements.txt",
    _requirements_options,
    _requirements,
)
