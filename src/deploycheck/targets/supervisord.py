"""The programs a supervisord config starts and the user each runs as.

supervisord (run as root) starts each ``[program:x]`` as the user its ``user=`` option names,
and as root when there is none (supervisord's configuration docs, "[program:x] Section
Settings": "user: ... If supervisord runs as root, this UNIX user account will be used as the
account which runs the program"; default "Do not switch users").
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    name: str
    command: str
    user: str | None

    @property
    def runs_as_root(self) -> bool:
        return self.user is None or self.user.partition(":")[0] in {"root", "0"}


def programs(text: str) -> list[Program] | None:
    """The ``[program:x]`` sections of a supervisord config, None when ``text`` is not one."""
    parser = configparser.RawConfigParser(strict=False, inline_comment_prefixes=(";",))
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    found = [
        Program(name.removeprefix("program:"), section.get("command", ""), section.get("user"))
        for name, section in parser.items()
        if name.startswith("program:")
    ]
    return found or None
