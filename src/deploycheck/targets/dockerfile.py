"""The ``Dockerfile`` target: plain facts about a Dockerfile, parsed by BuildKit's own parser
(:mod:`deploycheck.targets.dockerfile_parser`) into plain values
(:mod:`deploycheck.targets.instructions`, whose names this module also offers).

Heredocs, the ``# escape=`` directive, CRLF line endings, a BOM and a continuation at the end
of the file mean here what they mean to ``docker build``. On top of the parser this target
adds what it leaves to the builder: the final stage and the chain of stages it builds on, and
the image configuration (USER, HEALTHCHECK, ENV, CMD) a stage inherits through that chain.
Like a pytest-testinfra module it only answers questions; the rules decide what is right.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path, PurePosixPath

from deploycheck.errors import ConfigFileError
from deploycheck.findings import Level, Problem
from deploycheck.targets.dockerfile_parser import (
    INSTRUCTIONS,
    parse_instructions,
    read_directives,
    stages_of,
    variables_of,
)
from deploycheck.targets.installs import pip_install_args
from deploycheck.targets.instructions import (
    Command,
    Copy,
    Healthcheck,
    Instruction,
    Stage,
    Variable,
    command_of,
    copy_of,
    flags_of,
)

_VARIABLE_REF = re.compile(r"\$(?:\{(\w+)[^}]*\}|(\w+))")


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, for readable findings."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Dockerfile:
    """Facts about one Dockerfile; ConfigFileError when it cannot be read or parsed.

    ``target`` names the stage ``docker build --target`` builds; by default the last one.
    ``context`` is the build context whose files COPY reads; by default the Dockerfile's folder.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        target: str | None = None,
        context: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.target = target
        self.context = Path(context) if context is not None else self.path.parent
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise ConfigFileError(f"cannot read Dockerfile {self.path}: {exc}") from exc
        if b"\0" in raw:
            line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
            raise ConfigFileError(
                f"{self.path}:{line}: NUL byte: this is binary data, not a Dockerfile"
            )
        #: ``(line, message)`` when the file is not UTF-8 (it is then read with replacements).
        self.encoding_problem: tuple[int, str] | None = None
        try:
            self.text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            self.encoding_problem = (line, f"byte 0x{raw[exc.start]:02x} is not UTF-8")
            self.text = raw.decode("utf-8-sig", errors="replace")

    def __repr__(self) -> str:
        return f"Dockerfile({str(self.path)!r})"

    @cached_property
    def display_path(self) -> str:
        return display_path(self.path)

    def problem(self, line: int | None, message: str, level: Level | None = None) -> Problem:
        """A rule's problem at ``line`` of this Dockerfile."""
        return Problem(self.display_path, line, message, level=level)

    @cached_property
    def directives(self) -> dict[str, tuple[str, int]]:
        """Parser directives at the top of the file: ``{"syntax": (value, line)}``."""
        return read_directives(self.text)

    @cached_property
    def instructions(self) -> tuple[Instruction, ...]:
        return parse_instructions(self.text, self.display_path)

    @property
    def unknown_instructions(self) -> list[Instruction]:
        """Instructions Docker does not know (``docker build`` stops at the first one)."""
        return [ins for ins in self.instructions if ins.name not in INSTRUCTIONS]

    def instructions_named(self, *names: str, stage: int | None = None) -> list[Instruction]:
        """Instructions called one of ``names``, in file order, optionally of one stage only."""
        return [
            ins
            for ins in self.instructions
            if ins.name in names and (stage is None or ins.stage == stage)
        ]

    @property
    def pip_installs(self) -> list[Instruction]:
        """RUN instructions with a pip install (``pip3``, ``python -m pip``, ``uv pip`` too)."""
        return [
            run
            for run in self.instructions_named("RUN")
            if any(pip_install_args(c) is not None for c in run.commands)
        ]

    @cached_property
    def global_args(self) -> dict[str, str | None]:
        """ARGs declared before the first FROM, with their defaults (None when there is none)."""
        return {v.name: v.value for v in self.variables if v.kind == "ARG" and v.stage == -1}

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        return stages_of(self.instructions, self.global_args, self.display_path)

    @cached_property
    def final_stage(self) -> Stage:
        """The stage that ships: the ``target`` stage, else the last one."""
        if not self.stages:
            raise ConfigFileError(
                f"{self.display_path} has no FROM instruction, so it has no stages"
            )
        if self.target is None:
            return self.stages[-1]
        found = self.stage_named(self.target)
        if found is None:
            names = ", ".join(s.name or str(s.index) for s in self.stages)
            raise ConfigFileError(
                f"{self.display_path}: no stage named {self.target!r} to build as the target "
                f"(stages: {names})"
            )
        return found

    def stage_named(self, name: str) -> Stage | None:
        """The stage ``FROM ... AS name`` (any case) or with that index, as ``--from`` names it."""
        for stage in self.stages:
            if stage.name == name.lower():
                return stage
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None

    def chain(self, stage: Stage | None = None) -> list[Stage]:
        """``stage`` (the final one by default) and the stages it builds on, the image first."""
        current = stage or self.final_stage
        found = [current]
        while current.parent is not None:
            current = self.stages[current.parent]
            found.append(current)
        return found[::-1]

    def root(self, stage: Stage | None = None) -> Stage:
        """The stage of ``stage``'s chain whose FROM names an image rather than a stage."""
        return self.chain(stage)[0]

    def inherited(self, *names: str, stage: Stage | None = None) -> list[Instruction]:
        """Instructions ``names`` that shape ``stage``'s image, through its chain, in order."""
        return [i for s in self.chain(stage) for i in s.instructions if i.name in names]

    def base_variables(self, stage: Stage) -> list[Variable]:
        """The global ARGs a stage's FROM refers to (where its base image default comes from)."""
        names = {a or b for a, b in _VARIABLE_REF.findall(stage.base_as_written)}
        return [v for v in self._global_arg_variables if v.name in names]

    @cached_property
    def _global_arg_variables(self) -> list[Variable]:
        return [v for v in self.variables if v.kind == "ARG" and v.stage == -1]

    def copies_in(self, stage: Stage) -> list[Copy]:
        """The COPY and ADD instructions of one stage, in order."""
        return self._copies_by_stage.get(stage.index, [])

    @cached_property
    def _copies_by_stage(self) -> dict[int, list[Copy]]:
        found: dict[int, list[Copy]] = {}
        for copy in self.copies:
            found.setdefault(copy.stage, []).append(copy)
        return found

    @cached_property
    def variables(self) -> tuple[Variable, ...]:
        """Every ENV and ARG entry in file order, values with quotes removed."""
        entries = self.instructions_named("ENV", "ARG")
        return variables_of(entries, self.text.splitlines(), self.display_path)

    def env_of(self, stage: Stage | None = None) -> dict[str, str]:
        """The ENV ``stage``'s image carries, through its chain (later entries win, like Docker)."""
        chain = {s.index for s in self.chain(stage)}
        return {
            v.name: v.value or "" for v in self.variables if v.kind == "ENV" and v.stage in chain
        }

    @property
    def env(self) -> dict[str, str]:
        """The final image's ENV as written (inherited from the stages it builds on)."""
        return self.env_of()

    @property
    def user(self) -> str | None:
        """The final image's USER value (``"10001:10001"``), None when no stage of it sets one."""
        users = self.inherited("USER")
        return users[-1].value.strip() if users else None

    @property
    def user_names(self) -> set[str]:
        """Names and ids the final USER goes by: ``{"10001", "appuser"}`` for ``USER 10001:10001``
        after ``useradd --uid 10001 appuser``; empty when the image runs as root."""
        user = (self.user or "").split(":")[0]
        if not user or user in {"root", "0"}:
            return set()
        names = {user}
        for words in self._run_commands():
            if words and words[0] == "useradd":
                uid = next(
                    (b for a, b in zip(words, words[1:], strict=False) if a in {"-u", "--uid"}),
                    None,
                )
                if user in (uid, words[-1]):
                    names |= {words[-1]} | ({uid} if uid else set())
        return names

    def prepares_directory(self, directory: str) -> tuple[bool, bool]:
        """(created, owned by the final USER) for ``directory``, from RUN and WORKDIR."""
        target = PurePosixPath(directory)
        owners = self.user_names
        created = any(w.value.strip() == directory for w in self.inherited("WORKDIR"))
        owned = False
        for words in self._run_commands():
            if "mkdir" in words and directory in words:
                created = True
            if "chown" in words and owners:
                recursive = "-R" in words or "--recursive" in words
                owner_ok = any(w.split(":")[0] in owners for w in words)
                paths = [PurePosixPath(w) for w in words if w.startswith("/")]
                owned = owned or (
                    owner_ok
                    and any(p == target or (recursive and p in target.parents) for p in paths)
                )
        return created, owned

    def _run_commands(self) -> list[tuple[str, ...]]:
        """The words of each simple command of every RUN that builds the final image."""
        return [c.words for run in self.inherited("RUN") for c in run.commands]

    @cached_property
    def copies(self) -> tuple[Copy, ...]:
        """Every COPY and ADD; sources as Docker's word processing leaves them (no quotes)."""
        return tuple(copy_of(ins) for ins in self.instructions_named("COPY", "ADD"))

    @property
    def exposes(self) -> list[tuple[str, int]]:
        """``(port, line)`` for each port the final image EXPOSEs, ``"10000/tcp"`` as written."""
        return [(port, ins.line) for ins in self.inherited("EXPOSE") for port in ins.args]

    @property
    def cmd(self) -> Command | None:
        """The final image's CMD; an ENTRYPOINT in a later stage resets it, as in Docker."""
        cmds = self.inherited("CMD")
        if not cmds or any(e.stage > cmds[-1].stage for e in self.inherited("ENTRYPOINT")):
            return None
        return command_of(cmds[-1])

    @property
    def entrypoint(self) -> Command | None:
        found = self.inherited("ENTRYPOINT")
        return command_of(found[-1]) if found else None

    @property
    def healthcheck(self) -> Healthcheck | None:
        """The final image's HEALTHCHECK (the last one of its chain), None when there is none."""
        found = self.inherited("HEALTHCHECK")
        if not found:
            return None
        ins = found[-1]
        where = f"{self.display_path}:{ins.line}"
        options = flags_of(ins)
        kind = ins.args[0].upper() if ins.args else ""
        if kind == "NONE":
            return Healthcheck(ins.line, True, options, None)
        if kind != "CMD" or len(ins.args) < 2:
            found_text = ins.value or "nothing"
            raise ConfigFileError(
                f"{where}: HEALTHCHECK needs `CMD <command>` or `NONE`, found {found_text!r}"
            )
        return Healthcheck(ins.line, False, options, command_of(ins))
