"""The ``Dockerfile`` target: plain facts about a Dockerfile, parsed with dockerfile-parse.

Like a pytest-testinfra module, this only answers questions (which user, which healthcheck,
which files are copied, in which order); the rules in ``dockerfile_rules`` and the tests decide
what is right. Line numbers are 1-based, as editors and findings show them.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from dockerfile_parse import DockerfileParser
from dockerfile_parse.util import extract_key_values

from deploycheck.errors import ConfigFileError

# Parser directives (``# syntax=...``) count only at the very top of the file, before any
# comment, blank line or instruction: https://docs.docker.com/reference/dockerfile/#parser-directives
_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_OPTION = re.compile(r"--([\w-]+)=(\S*)\s*")
_REFERENCE_ONLY = re.compile(r"\$\{?\w+\}?")
_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")
_VARIABLE_REF = re.compile(r"\$(?:\{(\w+)[^}]*\}|(\w+))")


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, for readable findings."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Instruction:
    """One instruction; ``value`` has continuation lines joined, ``stage`` is -1 before FROM."""

    name: str
    value: str
    line: int
    end_line: int
    stage: int


@dataclass(frozen=True)
class Stage:
    """A build stage: ``base`` is the FROM image with ARG defaults substituted."""

    index: int
    name: str | None
    base: str
    base_as_written: str
    line: int
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True)
class Variable:
    """One ENV or ARG entry; ``value`` is as written (no substitution), None for a bare ARG."""

    kind: str
    name: str
    value: str | None
    line: int
    stage: int

    @property
    def is_literal(self) -> bool:
        """A non-empty value written out, not just a ``$OTHER`` reference filled at build time."""
        value = (self.value or "").strip()
        return bool(value) and not _REFERENCE_ONLY.fullmatch(value)


@dataclass(frozen=True)
class Copy:
    """A COPY or ADD: its sources, destination and ``--flag=value`` options."""

    instruction: str
    sources: tuple[str, ...]
    dest: str
    flags: dict[str, str]
    line: int
    stage: int


@dataclass(frozen=True)
class Command:
    """CMD, ENTRYPOINT or a healthcheck's CMD; shell form is recorded as Docker runs it."""

    instruction: str
    exec_form: bool
    argv: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Healthcheck:
    """A HEALTHCHECK: its options (``{"interval": "30s"}``) and command, or disabled (NONE)."""

    line: int
    disabled: bool
    options: dict[str, str]
    command: Command | None

    @property
    def probed_paths(self) -> set[str]:
        """URL paths the probe requests: ``/health`` in ``CMD python -m app.healthcheck /health``.

        An argument counts when it is an http(s) URL (its path) or starts with ``/``.
        """
        if self.command is None:
            return set()
        argv = list(self.command.argv)
        if not self.command.exec_form:
            try:
                argv = shlex.split(argv[-1])
            except ValueError:
                return set()
        paths = set()
        for token in argv[1:]:
            if token.startswith(("http://", "https://")):
                paths.add(urlsplit(token).path or "/")
            elif token.startswith("/"):
                paths.add(token)
        return paths


def parse_command(instruction: str, value: str, line: int) -> Command:
    """Exec form when ``value`` is a JSON list of strings, shell form otherwise (as Docker does)."""
    if value.lstrip().startswith("["):
        try:
            argv = json.loads(value)
        except json.JSONDecodeError:
            argv = None
        if isinstance(argv, list) and all(isinstance(arg, str) for arg in argv):
            return Command(instruction, True, tuple(argv), line)
    return Command(instruction, False, ("/bin/sh", "-c", value), line)


def _split_flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        key, _, flag_value = words.pop(0)[2:].partition("=")
        flags[key] = flag_value
    return flags, words


class Dockerfile:
    """Facts about one Dockerfile; ConfigFileError when it cannot be read or has no FROM."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigFileError(f"cannot read Dockerfile {self.path}: {exc}") from exc
        self._parser = DockerfileParser(
            fileobj=io.BytesIO(self.text.encode("utf-8")), env_replace=False
        )

    def __repr__(self) -> str:
        return f"Dockerfile({str(self.path)!r})"

    @property
    def display_path(self) -> str:
        return display_path(self.path)

    @cached_property
    def directives(self) -> dict[str, tuple[str, int]]:
        """Parser directives at the top of the file: ``{"syntax": (value, line)}``."""
        found: dict[str, tuple[str, int]] = {}
        for number, text in enumerate(self.text.splitlines(), start=1):
            match = _DIRECTIVE.fullmatch(text.strip())
            if not match or match.group(1).lower() in found:
                break
            found[match.group(1).lower()] = (match.group(2), number)
        return found

    @cached_property
    def instructions(self) -> tuple[Instruction, ...]:
        result: list[Instruction] = []
        stage = -1
        for item in self._parser.structure:
            name = item["instruction"].upper()
            if name == "COMMENT":
                continue
            if name == "FROM":
                stage += 1
            start, end = item["startline"] + 1, item["endline"] + 1
            result.append(Instruction(name, item["value"], start, end, stage))
        return tuple(result)

    def instructions_named(self, *names: str, stage: int | None = None) -> list[Instruction]:
        """Instructions called one of ``names``, in file order, optionally of one stage only."""
        return [
            ins
            for ins in self.instructions
            if ins.name in names and (stage is None or ins.stage == stage)
        ]

    @property
    def pip_installs(self) -> list[Instruction]:
        """RUN instructions that call ``pip install`` (or ``pip3``/``python -m pip``)."""
        return [ins for ins in self.instructions_named("RUN") if _PIP_INSTALL.search(ins.value)]

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        froms = self.instructions_named("FROM")
        # dockerfile-parse substitutes the global ARG defaults into each FROM, in FROM order.
        bases = self._parser.parent_images
        stages = []
        for index, (ins, base) in enumerate(zip(froms, bases, strict=True)):
            words = _split_flags(ins.value.split())[1]
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            members = tuple(i for i in self.instructions if i.stage == index)
            stages.append(Stage(index, name, base, words[0] if words else "", ins.line, members))
        return tuple(stages)

    @property
    def final_stage(self) -> Stage:
        if not self.stages:
            raise ConfigFileError(
                f"{self.display_path} has no FROM instruction, so it has no stages"
            )
        return self.stages[-1]

    def base_variables(self, stage: Stage) -> list[Variable]:
        """The global ARGs a stage's FROM refers to (where its base image default comes from)."""
        names = {a or b for a, b in _VARIABLE_REF.findall(stage.base_as_written)}
        return [v for v in self.variables if v.kind == "ARG" and v.stage == -1 and v.name in names]

    @cached_property
    def variables(self) -> tuple[Variable, ...]:
        """Every ENV and ARG entry in file order, values exactly as written."""
        found: list[Variable] = []
        for ins in self.instructions_named("ENV", "ARG"):
            if ins.name == "ARG" and "=" not in ins.value:
                found.append(Variable("ARG", ins.value.strip(), None, ins.line, ins.stage))
                continue
            try:
                pairs = extract_key_values(
                    env_replace=False, args={}, envs={}, instruction_value=ins.value
                )
            except ValueError as exc:
                raise ConfigFileError(f"{self.display_path}:{ins.line}: {exc}") from exc
            found.extend(
                Variable(ins.name, k, v, self._line_of(ins, k), ins.stage) for k, v in pairs
            )
        return tuple(found)

    def _line_of(self, ins: Instruction, name: str) -> int:
        """The physical line of ``name`` inside a multi-line ENV/ARG, for exact findings."""
        lines = self.text.splitlines()[ins.line - 1 : ins.end_line]
        pattern = re.compile(rf"(^|\s){re.escape(name)}[=\s]")
        return next(
            (ins.line + i for i, text in enumerate(lines) if pattern.search(text)), ins.line
        )

    @property
    def env(self) -> dict[str, str]:
        """The final stage's ENV as written (later entries win, like Docker)."""
        final = self.final_stage.index
        return {
            v.name: v.value or "" for v in self.variables if v.kind == "ENV" and v.stage == final
        }

    @property
    def user(self) -> str | None:
        """The final stage's last USER value (``"10001:10001"``), None when it sets none."""
        users = self.instructions_named("USER", stage=self.final_stage.index)
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
            if "useradd" in words:
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
        created = any(w.value.strip() == directory for w in self.instructions_named("WORKDIR"))
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

    def _run_commands(self) -> list[list[str]]:
        """The words of each ``&&``/``;``-separated command of every RUN."""
        return [
            command.split()
            for run in self.instructions_named("RUN")
            for command in re.split(r"&&|;", run.value)
        ]

    @cached_property
    def copies(self) -> tuple[Copy, ...]:
        found = []
        for ins in self.instructions_named("COPY", "ADD"):
            value = ins.value.strip()
            command = parse_command(ins.name, value, ins.line)
            words = list(command.argv) if command.exec_form else shlex.split(value)
            flags, paths = _split_flags(words)
            if paths:
                found.append(
                    Copy(ins.name, tuple(paths[:-1]), paths[-1], flags, ins.line, ins.stage)
                )
        return tuple(found)

    @property
    def exposes(self) -> list[tuple[str, int]]:
        """``(port, line)`` for each EXPOSEd port of the final stage, ``"10000/tcp"`` as written."""
        return [
            (port, ins.line)
            for ins in self.instructions_named("EXPOSE", stage=self.final_stage.index)
            for port in ins.value.split()
        ]

    def _last_command(self, name: str) -> Command | None:
        found = self.instructions_named(name, stage=self.final_stage.index)
        return parse_command(name, found[-1].value, found[-1].line) if found else None

    @property
    def cmd(self) -> Command | None:
        return self._last_command("CMD")

    @property
    def entrypoint(self) -> Command | None:
        return self._last_command("ENTRYPOINT")

    @property
    def healthcheck(self) -> Healthcheck | None:
        """The final stage's effective HEALTHCHECK (the last one), None when there is none."""
        found = self.instructions_named("HEALTHCHECK", stage=self.final_stage.index)
        if not found:
            return None
        ins = found[-1]
        options: dict[str, str] = {}
        rest = ins.value.strip()
        while match := _OPTION.match(rest):
            options[match.group(1)] = match.group(2)
            rest = rest[match.end() :]
        if rest.upper() == "NONE":
            return Healthcheck(ins.line, True, options, None)
        keyword, _, command = rest.partition(" ")
        probe = (
            parse_command("HEALTHCHECK", command, ins.line) if keyword.upper() == "CMD" else None
        )
        return Healthcheck(ins.line, False, options, probe)
