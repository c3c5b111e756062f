"""Reading a Dockerfile's text as ``docker build`` does, with BuildKit's own parser: parser
directives, instructions numbered by stage, ENV and ARG entries with their own lines, and the
stages with the earlier stage each builds on. Input Docker would refuse raises
``ConfigFileError`` naming the file and line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping

import dockerfile as buildkit

from deploycheck.errors import ConfigFileError
from deploycheck.targets.image_ref import platform_candidates, substitute
from deploycheck.targets.instructions import Instruction, Stage, Variable

# Parser directives (``# syntax=...``) count only at the very top of the file, before any
# comment, blank line or instruction: https://docs.docker.com/reference/dockerfile/#parser-directives
_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
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


def read_directives(text: str) -> dict[str, tuple[str, int]]:
    """Parser directives at the top of ``text``: ``{"syntax": (value, line)}``."""
    found: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _DIRECTIVE.fullmatch(line.strip())
        if not match or match.group(1).lower() in found:
            break
        found[match.group(1).lower()] = (match.group(2), number)
    return found


def _first_failing_line(text: str) -> int | None:
    """The shortest prefix of ``text`` (in lines) the parser already refuses: its last line.

    The Go parser's errors carry no line, so bisect for it (a few parses, only on error).
    """
    lines = text.splitlines(keepends=True)
    low, high = 1, len(lines)
    while low < high:
        middle = (low + high) // 2
        try:
            buildkit.parse_string("".join(lines[:middle]))
        except buildkit.GoParseError as exc:
            if str(exc) != _NOTHING:
                high = middle
                continue
        low = middle + 1
    return low if lines else None


def parse_instructions(text: str, display_path: str) -> tuple[Instruction, ...]:
    """Every instruction of ``text`` in file order, numbered by stage."""
    try:
        parsed = buildkit.parse_string(text)
    except buildkit.GoParseError as exc:
        if str(exc) == _NOTHING:
            return ()
        line = _first_failing_line(text)
        where = f"{display_path}:{line}" if line else display_path
        raise ConfigFileError(f"{where}: {exc}") from None
    result: list[Instruction] = []
    stage = -1
    for item in parsed:
        if not item.cmd:  # a lone continuation: the parser yields an empty node
            continue
        name = item.cmd.upper()
        where = f"{display_path}:{item.start_line}"
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


def variables_of(
    instructions: list[Instruction], lines: list[str], display_path: str
) -> tuple[Variable, ...]:
    """Every ENV and ARG entry of ``instructions`` in file order, values with quotes removed;
    ``lines`` (the file's) give each entry of a multi-line instruction its own line."""
    found: list[Variable] = []
    for ins in instructions:
        where = f"{display_path}:{ins.line}"
        for name, value in _pairs(ins):
            unquoted = None if value is None else _unquote(value, f"{where}: {ins.name} {name}")
            found.append(Variable(ins.name, name, unquoted, _line_of(ins, name, lines), ins.stage))
    return tuple(found)


def _pairs(ins: Instruction) -> Iterator[tuple[str, str | None]]:
    if ins.name == "ENV":
        # The parser has already refused an odd count (``ENV X`` with no value).
        yield from zip(ins.args[::2], ins.args[1::2], strict=True)
        return
    for word in ins.args:
        name, eq, value = word.partition("=")
        yield name, value if eq else None


def _line_of(ins: Instruction, name: str, lines: list[str]) -> int:
    """The physical line of ``name`` inside a multi-line ENV/ARG, for exact findings."""
    if ins.line == ins.end_line:
        return ins.line
    pattern = re.compile(rf"(^|\s){re.escape(name)}[=\s]")
    own = lines[ins.line - 1 : ins.end_line]
    return next((ins.line + i for i, text in enumerate(own) if pattern.search(text)), ins.line)


def stages_of(
    instructions: tuple[Instruction, ...],
    global_args: Mapping[str, str | None],
    display_path: str,
) -> tuple[Stage, ...]:
    """The stages, each with its base image (ARG defaults substituted) and the index of the
    earlier stage it builds on; ``FROM base-${TARGETARCH}`` names the stage built for amd64."""
    stages: list[Stage] = []
    by_name: dict[str, int] = {}
    members: dict[int, list[Instruction]] = {}
    for instruction in instructions:
        members.setdefault(instruction.stage, []).append(instruction)
    for ins in (i for i in instructions if i.name == "FROM"):
        words = list(ins.args)
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            raise ConfigFileError(
                f"{display_path}:{ins.line}: FROM requires either one or three "
                f"arguments (IMAGE [AS NAME]), found {ins.value!r}"
            )
        name = words[2].lower() if len(words) == 3 else None
        base = substitute(words[0], global_args)
        if base is None or "$" in base:
            named = [c for c in platform_candidates(words[0], global_args) if c.lower() in by_name]
            base = named[0] if named else base
        parent = by_name.get(base.lower()) if base is not None else None
        platform = next(iter(ins.flag_values("platform")), None)
        own = tuple(members[ins.stage])
        stages.append(Stage(ins.stage, name, base, words[0], ins.line, own, parent, platform))
        if name:
            by_name[name] = ins.stage
    return tuple(stages)


def _unquote(value: str, where: str) -> str:
    """The value Docker's word processing leaves: quotes and escapes removed."""
    try:
        return " ".join(shlex.split(value, comments=False))
    except ValueError as exc:
        raise ConfigFileError(f"{where}: {exc} in {value!r}") from None
