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
from typing import TYPE_CHECKING

from deploycheck.targets.shell import SimpleCommand

if TYPE_CHECKING:  # the Dockerfile model imports this module for ``pip_installs``
    from deploycheck.targets.dockerfile import Dockerfile, Instruction, Stage

_PIP = re.compile(r"pip(\d+(\.\d+)?)?")
_PYTHON = re.compile(r"python(\d+(\.\d+)?)?")
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
    """One dependency install: ``tool`` (pip, uv, poetry, pipenv, npm...), its RUN and files."""

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

    def _stage_env(self, run: Instruction) -> dict[str, str]:
        """ENV inherited through the RUN's stage chain plus ARGs of its own stage before it."""
        stage = self.df.stages[run.stage]
        chain = {s.index for s in self.df.chain(stage)}
        env: dict[str, str] = {}
        for var in self.df.variables:
            in_scope = var.stage in chain if var.kind == "ENV" else var.stage == run.stage
            if in_scope and (var.stage != run.stage or var.line < run.line):
                env[var.name] = var.value or ""
        return env

    def _cache_mounted(self, run: Instruction) -> bool:
        return any("type=cache" in mount.split(",") for mount in run.flag_values("mount"))

    def of(self, run: Instruction) -> list[Install]:
        """Every install in one RUN (a second ``pip install`` after ``&&`` included)."""
        found = []
        for command in run.commands:
            env = {**self._stage_env(run), **command.env}
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
