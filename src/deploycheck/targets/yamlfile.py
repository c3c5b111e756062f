"""Line-aware YAML loading: plain Python data plus the line of every mapping key and list item.

PyYAML's ``safe_load`` forgets where things were and silently keeps the last of two duplicate
keys. Here the node tree is composed first, then walked once to build the data and a map from
each YAML path (``("services", 0, "scaling", "maxInstances")``) to its 1-based line. Problems
that make a file unusable come back as findings with a line, never as a traceback; a missing or
unreadable file raises :class:`ConfigFileError` because there is nothing to point a line at.

The file is hostile until proven otherwise (a Blueprint may come from a pull request): its
size, its nesting depth and the number of nodes its aliases expand to are bounded *before*
anything is expanded, so a "billion laughs" file costs one linear pass over its few hundred
nodes and ends in one finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from deploycheck.errors import ConfigFileError
from deploycheck.findings import Finding, Level, Problem
from deploycheck.registry import declare
from deploycheck.targets.yaml_reader import (
    MAX_DEPTH,
    MAX_NODES,
    LoadError,
    YamlPath,
    first_text_problem,
    read_yaml,
)

# A Blueprint is a few kilobytes: the bound sits far above any real file.
MAX_BYTES = 1024 * 1024

# Load-level rules: the loader itself reports them, as nothing can be checked past them.
declare(
    "YML001",
    """The file is valid YAML.

    Passes: ``services: [{name: web}]``
    Fails:  ``services: [{name: web}`` (an unclosed flow sequence)
    """,
    target="yaml",
)
declare(
    "YML002",
    """No mapping repeats a key (PyYAML would silently keep the last one).

    Passes: ``plan: standard`` once
    Fails:  ``plan: starter`` and, two lines later, ``plan: standard`` in the same mapping
    """,
    target="yaml",
)
declare(
    "YML003",
    """Indentation uses spaces, never tabs.

    Passes: two spaces before ``name: web``
    Fails:  a tab before ``name: web``
    """,
    target="yaml",
)
declare(
    "YML004",
    """The document is a mapping at the top level.

    Passes: ``services: []``
    Fails:  ``- services`` (a list), or an empty file
    """,
    target="yaml",
)
declare(
    "YML005",
    f"""The file is at most {MAX_BYTES // 1024} KiB of UTF-8 text, without a byte-order mark.

    Passes: a Blueprint saved as UTF-8
    Fails:  a Latin-1 ``é`` in a comment (byte 0xe9), or a UTF-8 BOM (a warning: Render skips it)
    """,
    target="yaml",
)
declare(
    "YML006",
    """No control characters (NUL, escape codes...) in the file or in its strings.

    Passes: ``startCommand: gunicorn app:app``
    Fails:  a NUL byte in the file, or ``dockerfilePath: "./Dockerfile\\0"``
    """,
    target="yaml",
)
declare(
    "YML007",
    """Mapping keys are plain scalars, never lists or mappings.

    Passes: ``plan: standard``
    Fails:  ``? [plan, region]`` followed by ``: standard``
    """,
    target="yaml",
)
declare(
    "YML008",
    f"""Nesting stays under {MAX_DEPTH} levels; aliases expand to at most {MAX_NODES} nodes.

    Passes: ``envVars: *shared`` (one alias to one list)
    Fails:  nine anchors each listing the previous one nine times (a "billion laughs")
    """,
    target="yaml",
)

_BOM = "\ufeff"


def format_path(path: YamlPath) -> str:
    """``("services", 0, "scaling")`` -> ``services[0].scaling``; the root is ``<root>``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<root>"


@dataclass
class YamlDocument:
    """A loaded YAML file: its data, the line of every key/item, and load problems as findings."""

    path: str
    data: Any = None
    lines: dict[YamlPath, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when the file parsed into a mapping that checks can walk."""
        errors = [f for f in self.findings if f.level is Level.ERROR]
        return not errors and isinstance(self.data, dict)

    def line_of(self, path: YamlPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor when the path itself is absent."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def problem(self, path: YamlPath, message: str) -> Problem:
        """A rule's problem at ``path``'s line whose message starts with the YAML path."""
        return Problem(self.path, self.line_of(path), f"{format_path(path)}: {message}")

    def finding(
        self, rule_id: str, path: YamlPath, message: str, level: Level = Level.ERROR
    ) -> Finding:
        """A finding at ``path``'s line whose message starts with the YAML path."""
        return Finding(
            self.path, self.line_of(path), rule_id, f"{format_path(path)}: {message}", level
        )


def load_yaml(path: str | Path, display_path: str | None = None) -> YamlDocument:
    """Load ``path``; YAML problems become findings on the returned document.

    Raises :class:`ConfigFileError` when the file is missing, a directory or unreadable (a
    symlink loop, no permission).
    """
    shown = display_path or str(path)
    try:
        with Path(path).open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigFileError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise ConfigFileError(f"{shown}: is a directory, expected a YAML file") from None
    except OSError as exc:
        raise ConfigFileError(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        message = f"file is larger than {MAX_BYTES // 1024} KiB; a Blueprint is a few KiB"
        return YamlDocument(shown, findings=[Finding(shown, None, "YML005", message)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded; save it as UTF-8"
        return YamlDocument(shown, findings=[Finding(shown, line, "YML005", message)])
    return parse_yaml(text, shown)


def parse_yaml(text: str, display_path: str) -> YamlDocument:
    """Parse YAML ``text`` as if it came from ``display_path``."""
    doc = YamlDocument(display_path)
    if text.startswith(_BOM):
        # Render's parser reads past it too, so this is a warning; editors add it unasked.
        message = "file starts with a byte-order mark (U+FEFF); save it as UTF-8 without BOM"
        doc.findings.append(Finding(display_path, 1, "YML005", message, Level.WARNING))
        text = text[1:]
    problem = first_text_problem(text)
    if problem is not None:
        doc.findings.append(problem.finding(display_path))
        return doc
    try:
        doc.data, doc.lines = read_yaml(text)
    except LoadError as exc:
        doc.findings.append(exc.finding(display_path))
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        doc.findings.append(Finding(display_path, line, "YML006", f"invalid YAML: {exc.reason}"))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem_text = exc.problem or exc.context or "invalid YAML"
        doc.findings.append(Finding(display_path, line, "YML001", f"invalid YAML: {problem_text}"))
    except yaml.YAMLError as exc:
        doc.findings.append(Finding(display_path, None, "YML001", f"invalid YAML: {exc}"))
    _require_mapping(doc)
    return doc


def _require_mapping(doc: YamlDocument) -> None:
    if any(f.level is Level.ERROR for f in doc.findings) or isinstance(doc.data, dict):
        return
    found = type(doc.data).__name__ if doc.data is not None else "an empty document"
    doc.findings.append(
        Finding(doc.path, 1, "YML004", f"expected a mapping at the top, found {found}")
    )
