"""Package installs inside RUN: which tool installs what, from which manifest, with which cache.

Facts for the dependency rules: ``pip``/``pip3``/``/venv/bin/pip``/``python -m pip`` and
``uv pip`` installs, ``uv sync``, ``poetry install``, ``pipenv install`` and the npm family,
each with the manifest files it reads and whether pip's or uv's download cache stays in the
layer (``--no-cache-dir``, ``PIP_NO_CACHE_DIR=1`` in the command, an ``export`` or the
stage's ENV, or a BuildKit cache mount, which keeps the cache out of the image).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from deploycheck.targets.shell import SimpleCommand

if TYPE_CHECKING:  # the Dockerfile model imports this module for ``pip_installs``
    from deploycheck.targets.dockerfile import Dockerfile, Instruction, Stage, Variable

_PIP = re.compile(r"pip(\d+(\.\d+)?)?")
_PYTHON = re.compile(r"python(\d+(\.\d+)?)?")
_CACHE_VARIABLES = frozenset({"PIP_NO_CACHE_DIR", "UV_NO_CACHE"})
_TRUTHY = frozenset({"1", "true", "yes", "on"})
# Files a dependency install reads; copying only these first keeps the install layer cached.
MANIFESTS = re.compile(
    r"(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|pyproject\.toml|setup\.cfg|"
    r"poetry\.lock|uv\.lock|Pipfile(\.lock)?|package(-lock)?\.json|npm-shrinkwrap\.json|"
    r"yarn\.lock|pnpm-lock\.yaml|\.npmrc|\.yarnrc(\.yml)?)"
)
_NPM_INSTALL = {"npm": {"ci", "install", "i"}, "yarn": {"install", ""}, "pnpm": {"install", "i"}}


@dataclass(frozen=True)
class Install:
    """One dependency install: ``tool`` (pip, uv, poetry, pipenv, npm...), its RUN and the
    requirement files pip or uv reads; ``caches`` when it leaves its download cache in the
    layer, ``from_manifest`` when it installs what files of the context list (a requirements
    or lock file), not packages named on the command line."""

    tool: str
    run: Instruction
    requirement_files: tuple[str, ...]
    caches: bool
    from_manifest: bool

    @property
    def line(self) -> int:
        return self.run.line


def pip_install_args(command: SimpleCommand) -> tuple[str, ...] | None:
    """The words after ``install`` when ``command`` is a pip or ``uv pip`` install."""
    words = command.words
    if _PIP.fullmatch(command.program):
        rest = words[1:]
    elif _PYTHON.fullmatch(command.program) and words[1:3] == ("-m", "pip"):
        rest = words[3:]
    elif command.program == "uv" and words[1:2] == ("pip",):
        rest = words[2:]
    else:
        return None
    return rest[1:] if rest[:1] == ("install",) else None


def _requirement_files(args: tuple[str, ...]) -> tuple[str, ...]:
    files = []
    for flag, value in zip(args, (*args[1:], ""), strict=True):
        if flag in {"-r", "--requirement", "-c", "--constraint"}:
            files.append(value)
        elif flag.startswith(("--requirement=", "--constraint=")):
            files.append(flag.partition("=")[2])
    return tuple(f.removeprefix("./") for f in files if f)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().strip("\"'").lower() in _TRUTHY


class Installs:
    """The dependency installs of one Dockerfile, judged in the stage each RUN belongs to."""

    def __init__(self, df: Dockerfile) -> None:
        self.df = df

    @cached_property
    def _cache_env(self) -> dict[int, dict[str, str]]:
        """``_CACHE_VARIABLES`` as each RUN (by line) sees them, in one pass over the file.

        ENV is inherited through the stage chain; an ARG only in its own stage. Tracking just
        these names keeps the pass linear in the size of the Dockerfile.
        """
        by_line: dict[int, dict[str, str]] = {}
        final_env: dict[int, dict[str, str]] = {}
        variables: dict[int, list[Variable]] = {}
        for var in self.df.variables:
            if var.name in _CACHE_VARIABLES:
                variables.setdefault(var.line, []).append(var)
        for stage in self.df.stages:
            parent = final_env.get(stage.parent, {}) if stage.parent is not None else {}
            env, image_env = dict(parent), dict(parent)
            for ins in stage.instructions:
                in_ins = range(ins.line, ins.end_line + 1) if ins.name in {"ENV", "ARG"} else ()
                for var in (v for line in in_ins for v in variables.get(line, [])):
                    env[var.name] = var.value or ""
                    if var.kind == "ENV":
                        image_env[var.name] = var.value or ""
                if ins.name == "RUN":
                    by_line[ins.line] = dict(env)
            final_env[stage.index] = image_env
        return by_line

    def _cache_mounted(self, run: Instruction) -> bool:
        return any("type=cache" in mount.split(",") for mount in run.flag_values("mount"))

    def of(self, run: Instruction) -> list[Install]:
        """Every install in one RUN (a second ``pip install`` after ``&&`` included)."""
        found = []
        for command in run.commands:
            env = {**self._cache_env.get(run.line, {}), **command.env}
            args = pip_install_args(command)
            if args is not None:
                tool = "uv" if command.program == "uv" else "pip"
                if tool == "uv":
                    off = bool({"--no-cache", "-n"} & set(args)) or _truthy(env.get("UV_NO_CACHE"))
                else:
                    off = "--no-cache-dir" in args or _truthy(env.get("PIP_NO_CACHE_DIR"))
                caches = not off and not self._cache_mounted(run)
                files = _requirement_files(args)
                found.append(Install(tool, run, files, caches, bool(files)))
            elif (tool := self._other_tool(command)) is not None:
                found.append(Install(tool, run, (), False, True))
        return found

    @staticmethod
    def _other_tool(command: SimpleCommand) -> str | None:
        sub = command.words[1] if len(command.words) > 1 else ""
        if command.program == "uv" and sub == "sync":
            return "uv"
        if command.program in {"poetry", "pipenv"} and sub in {"install", "sync"}:
            return command.program
        if sub in _NPM_INSTALL.get(command.program, set()):
            return command.program
        return None

    def in_stage(self, stage: Stage) -> list[Install]:
        return [i for run in stage.instructions if run.name == "RUN" for i in self.of(run)]

    def all(self) -> list[Install]:
        return [i for stage in self.df.stages for i in self.in_stage(stage)]
