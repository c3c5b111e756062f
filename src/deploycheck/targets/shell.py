"""The simple commands of a RUN script, as words: enough to see who calls pip, useradd or chown.

``shlex`` in punctuation mode splits on ``&&``, ``||``, ``;`` and ``|`` the way a POSIX shell
does; a script it cannot tokenise (an unterminated quote) falls back to splitting on
whitespace, so a Dockerfile the shell would reject still gets an answer, never a traceback.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")", "|&"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_CONTINUATION = re.compile(r"\\\r?\n")


@dataclass(frozen=True)
class SimpleCommand:
    """One command: ``env`` holds ``NAME=value`` prefixes and names ``export``ed before it."""

    words: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def program(self) -> str:
        """The basename of the first word: ``pip`` for ``/venv/bin/pip``."""
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        return line.split()


def commands(script: str) -> list[SimpleCommand]:
    """The simple commands of ``script`` in order; ``export NAME=value`` applies to the rest."""
    exported: dict[str, str] = {}
    found: list[SimpleCommand] = []
    for line in _CONTINUATION.sub(" ", script).splitlines():
        if line.lstrip().startswith("#"):
            continue
        current: list[str] = []
        for token in [*_tokens(line), ";"]:
            if token not in _SEPARATORS:
                current.append(token)
                continue
            if current:
                found.append(_command(current, exported))
            current = []
    return found


def _command(words: list[str], exported: dict[str, str]) -> SimpleCommand:
    env = dict(exported)
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if words and words[0] == "export":
        for word in words[1:]:
            name, eq, value = word.partition("=")
            if eq:
                exported[name] = value
    return SimpleCommand(tuple(words), env)
