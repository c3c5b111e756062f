"""The ``Dockerfile`` target: plain facts about a Dockerfile, parsed by BuildKit's own parser.

The ``dockerfile`` package wraps the Go parser Docker itself uses, so heredocs, the
``# escape=`` directive, CRLF line endings, a BOM and a continuation at the end of the file
mean here what they mean to ``docker build``. On top of it this module adds what the parser
leaves to the builder: stages and the stage each one builds on, ARG defaults substituted into
FROM, the image configuration (USER, HEALTHCHECK, ENV, CMD) a stage inherits through a chain of
stages. Like a pytest-testinfra module it only answers questions; the rules decide what is
right. Input Docker would refuse raises ``ConfigFileError`` naming the file and line. Line
numbers are 1-based, as editors and findings show them.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import dockerfile as buildkit

from deploycheck.errors import ConfigFileError
from deploycheck.targets import shell
from deploycheck.targets.image_ref import platform_candidates, substitute
from deploycheck.targets.installs import pip_install_args

# Parser directives (``# syntax=...``) count only at the very top of the file, before any
# comment, blank line or instruction: https://docs.docker.com/reference/dockerfile/#parser-directives
_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_REFERENCE_ONLY = re.compile(r"\$\{?\w+\}?")
_VARIABLE_REF = re.compile(r"\$(?:\{(\w+)[^}]*\}|(\w+))")
INSTRUCTIONS = frozenset(
    {
        *("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK"),
        *("LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME"),
        "WORKDIR",
    }
)
_NOTHING = "file with no instructions"  # the Go parser's error for comments only
# Minimum argument counts as BuildKit's instruction parser enforces them.
_MIN_ARGS = {"FROM": 1, "COPY": 2, "ADD": 2, "USER": 1, "WORKDIR": 1, "STOPSIGNAL": 1}


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, for readable findings."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Instruction:
    """One instruction as the parser saw it; ``stage`` is -1 before the first FROM.

    ``value`` is the text after the keyword (continuations joined, flags and heredoc bodies
    included); ``args`` and ``flags`` are the parser's split of it.
    """

    name: str
    value: str
    line: int
    end_line: int
    stage: int
    args: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    json: bool = False
    heredocs: tuple[str, ...] = ()

    def flag_values(self, name: str) -> list[str]:
        """Values of every ``--name=value`` flag: ``["type=cache,target=/root/.cache"]``."""
        prefix = f"--{name}="
        return [f.removeprefix(prefix) for f in self.flags if f.startswith(prefix)]

    @property
    def script(self) -> str:
        """What a RUN executes: its command line, then any heredoc bodies it feeds."""
        return "\n".join([" ".join(self.args), *self.heredocs])

    @cached_property
    def commands(self) -> list[shell.SimpleCommand]:
        if self.json:
            return [shell.SimpleCommand(self.args)]
        return shell.commands(self.script)


@dataclass(frozen=True)
class Stage:
    """A build stage. ``base`` is the FROM image with ARG defaults substituted, None when it
    depends on a build argument with no default; ``parent`` is the index of the earlier stage
    it builds on (``FROM builder``), None for an image."""

    index: int
    name: str | None
    base: str | None
    base_as_written: str
    line: int
    instructions: tuple[Instruction, ...]
    parent: int | None = None
    platform: str | None = None


@dataclass(frozen=True)
class Variable:
    """One ENV or ARG entry; ``value`` has quotes removed (no substitution), None for a bare ARG."""

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
    """A COPY or ADD: its context (or URL) sources, destination and ``--flag=value`` options.

    Heredoc sources (``COPY <<EOF /etc/x``) are inline text, so they are not in ``sources``.
    """

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
            argv = [word for c in shell.commands(argv[-1]) for word in c.words]
        paths = set()
        for token in argv[1:]:
            if token.startswith(("http://", "https://")):
                paths.add(urlsplit(token).path or "/")
            elif token.startswith("/"):
                paths.add(token)
        return paths


def command_of(ins: Instruction) -> Command:
    """Exec form when the parser read a JSON list of strings, shell form otherwise."""
    args = ins.args[1:] if ins.name == "HEALTHCHECK" else ins.args
    if ins.json:
        return Command(ins.name, True, tuple(args), ins.line)
    return Command(ins.name, False, ("/bin/sh", "-c", " ".join(args)), ins.line)


def _unquote(value: str, where: str) -> str:
    """The value Docker's word processing leaves: quotes and escapes removed."""
    try:
        return " ".join(shlex.split(value, comments=False))
    except ValueError as exc:
        raise ConfigFileError(f"{where}: {exc} in {value!r}") from None


def _word(text: str) -> str:
    """One COPY/ADD argument with its quotes removed; as written when it cannot be split."""
    try:
        return "".join(shlex.split(text, comments=False))
    except ValueError:
        return text


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

    def _parse(self, text: str) -> tuple[buildkit.Command, ...]:
        return buildkit.parse_string(text)

    def _first_failing_line(self) -> int | None:
        """The shortest prefix of the file (in lines) the parser already refuses: its last line.

        The Go parser's errors carry no line, so bisect for it (a few parses, only on error).
        """
        lines = self.text.splitlines(keepends=True)
        low, high = 1, len(lines)
        while low < high:
            middle = (low + high) // 2
            try:
                self._parse("".join(lines[:middle]))
            except buildkit.GoParseError as exc:
                if str(exc) != _NOTHING:
                    high = middle
                    continue
            low = middle + 1
        return low if lines else None

    @cached_property
    def instructions(self) -> tuple[Instruction, ...]:
        try:
            parsed = self._parse(self.text)
        except buildkit.GoParseError as exc:
            if str(exc) == _NOTHING:
                return ()
            line = self._first_failing_line()
            where = f"{self.display_path}:{line}" if line else self.display_path
            raise ConfigFileError(f"{where}: {exc}") from None
        result: list[Instruction] = []
        stage = -1
        for item in parsed:
            if not item.cmd:  # a lone continuation: the parser yields an empty node
                continue
            name = item.cmd.upper()
            where = f"{self.display_path}:{item.start_line}"
            if len(item.value) < _MIN_ARGS.get(name, 0):
                wanted = _MIN_ARGS[name]
                raise ConfigFileError(f"{where}: {name} needs at least {wanted} argument(s)")
            if name == "FROM":
                stage += 1
            value = item.original[len(item.cmd) :].strip()
            heredocs = tuple(h.content for h in item.heredocs)
            result.append(
                Instruction(
                    name, value, item.start_line, item.end_line, stage,
                    item.value, item.flags, item.json, heredocs,
                )
            )  # fmt: skip
        return tuple(result)

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
        stages: list[Stage] = []
        by_name: dict[str, int] = {}
        members: dict[int, list[Instruction]] = {}
        for instruction in self.instructions:
            members.setdefault(instruction.stage, []).append(instruction)
        for ins in self.instructions_named("FROM"):
            words = list(ins.args)
            if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
                raise ConfigFileError(
                    f"{self.display_path}:{ins.line}: FROM requires either one or three "
                    f"arguments (IMAGE [AS NAME]), found {ins.value!r}"
                )
            name = words[2].lower() if len(words) == 3 else None
            base = substitute(words[0], self.global_args)
            if base is None or "$" in base:
                named = [
                    c
                    for c in platform_candidates(words[0], self.global_args)
                    if c.lower() in by_name
                ]
                base = named[0] if named else base
            parent = by_name.get(base.lower()) if base is not None else None
            platform = next(iter(ins.flag_values("platform")), None)
            own = tuple(members[ins.stage])
            stages.append(Stage(ins.stage, name, base, words[0], ins.line, own, parent, platform))
            if name:
                by_name[name] = ins.stage
        return tuple(stages)

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
        found: list[Variable] = []
        for ins in self.instructions_named("ENV", "ARG"):
            where = f"{self.display_path}:{ins.line}"
            for name, value in self._pairs(ins):
                unquoted = None if value is None else _unquote(value, f"{where}: {ins.name} {name}")
                found.append(
                    Variable(ins.name, name, unquoted, self._line_of(ins, name), ins.stage)
                )
        return tuple(found)

    @staticmethod
    def _pairs(ins: Instruction) -> Iterator[tuple[str, str | None]]:
        if ins.name == "ENV":
            # The parser has already refused an odd count (``ENV X`` with no value).
            yield from zip(ins.args[::2], ins.args[1::2], strict=True)
            return
        for word in ins.args:
            name, eq, value = word.partition("=")
            yield name, value if eq else None

    def _line_of(self, ins: Instruction, name: str) -> int:
        """The physical line of ``name`` inside a multi-line ENV/ARG, for exact findings."""
        if ins.line == ins.end_line:
            return ins.line
        lines = self._lines[ins.line - 1 : ins.end_line]
        pattern = re.compile(rf"(^|\s){re.escape(name)}[=\s]")
        return next(
            (ins.line + i for i, text in enumerate(lines) if pattern.search(text)), ins.line
        )

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()

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
        found = []
        for ins in self.instructions_named("COPY", "ADD"):
            *sources, dest = ins.args if ins.json else [_word(a) for a in ins.args]
            if ins.heredocs:
                sources = [s for s in sources if not s.startswith("<<")]
            flags = {k.removeprefix("--"): v for k, _, v in (f.partition("=") for f in ins.flags)}
            found.append(Copy(ins.name, tuple(sources), dest, flags, ins.line, ins.stage))
        return tuple(found)

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
        options = {k.removeprefix("--"): v for k, _, v in (f.partition("=") for f in ins.flags)}
        kind = ins.args[0].upper() if ins.args else ""
        if kind == "NONE":
            return Healthcheck(ins.line, True, options, None)
        if kind != "CMD" or len(ins.args) < 2:
            found_text = ins.value or "nothing"
            raise ConfigFileError(
                f"{where}: HEALTHCHECK needs `CMD <command>` or `NONE`, found {found_text!r}"
            )
        return Healthcheck(ins.line, False, options, command_of(ins))
