"""The verdicts fixtures state in ``# expect:`` comments, read one way for every corpus.

A fixture says what a careful reviewer would say of it: ``# expect: clean`` or the places of
the findings, each ``RULE@LINE[:level]`` (``RULE@FILE:LINE[:level]`` where findings may be in
more than one file; the line may be empty for a finding about the whole file). Variants
(``# expect-project:``, ``# expect-cli:``) say what differs under another setting.
"""

from __future__ import annotations

import re
from pathlib import Path

_EXPECT = re.compile(rb"^# expect(-[a-z]+)?: (.*?)\r?$", re.MULTILINE)


def expectations(path: Path) -> dict[str, str]:
    """Each ``# expect[-KIND]:`` comment of the file at ``path``: KIND (``generic`` for a plain
    ``# expect:``) -> the verdict."""
    return {
        (kind.decode().lstrip("-") or "generic"): text.decode("utf-8")
        for kind, text in _EXPECT.findall(path.read_bytes())
    }


def places(text: str, *, with_file: bool = False) -> set[tuple[str | int | None, ...]]:
    """The places a verdict lists, as ``(rule, [file,] line, level)``; none for ``clean``."""
    if text == "clean":
        return set()
    found: set[tuple[str | int | None, ...]] = set()
    for item in text.split():
        rule_id, _, rest = item.partition("@")
        file = None
        if with_file:
            file, _, rest = rest.partition(":")
        line, _, level = rest.partition(":")
        where = (file, int(line) if line else None) if with_file else (int(line),)
        found.add((rule_id, *where, level or "error"))
    return found
