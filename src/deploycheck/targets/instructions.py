"""What a Dockerfile is made of: instructions, stages, ENV and ARG entries, COPY/ADD sources,
commands and the health check, as plain values (:mod:`deploycheck.targets.dockerfile_parser`
reads them from the text). Line numbers are 1-based, as editors and findings show them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from deploycheck.targets import shell

_REFERENCE_ONLY = re.compile(r"\$\{?\w+\}?")


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


def copy_of(ins: Instruction) -> Copy:
    """A COPY or ADD; sources as Docker's word processing leaves them (no quotes)."""
    *sources, dest = ins.args if ins.json else [_word(a) for a in ins.args]
    if ins.heredocs:
        sources = [s for s in sources if not s.startswith("<<")]
    return Copy(ins.name, tuple(sources), dest, flags_of(ins), ins.line, ins.stage)


def flags_of(ins: Instruction) -> dict[str, str]:
    """``--name=value`` flags as ``{"name": "value"}``."""
    return {k.removeprefix("--"): v for k, _, v in (f.partition("=") for f in ins.flags)}


def _word(text: str) -> str:
    """One COPY/ADD argument with its quotes removed; as written when it cannot be split."""
    try:
        return "".join(shlex.split(text, comments=False))
    except ValueError:
        return text
