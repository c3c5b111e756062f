"""Line-aware YAML loading: plain Python data plus the line of every mapping key and list item.

PyYAML's ``safe_load`` forgets where things were and silently keeps the last of two duplicate
keys. Here the node tree is composed first, then walked once to build the data and a map from
each YAML path (``("services", 0, "scaling", "maxInstances")``) to its 1-based line. Problems
that make a file unusable come back as findings with a line, never as a traceback; a missing or
unreadable file raises :class:`ConfigFileError` because there is nothing to point a line at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deploycheck.errors import ConfigFileError
from deploycheck.findings import Finding, Level, Problem
from deploycheck.registry import declare

YamlPath = tuple[str | int, ...]

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

_LEADING_TAB = re.compile(r"^ *\t")
_BOOL = "tag:yaml.org,2002:bool"


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, as Render's and Compose's Go parsers read them.

    YAML 1.1 (PyYAML's default) turns ``on``/``yes``/``off`` into booleans, which would make a
    workflow's ``on:`` key ``True`` and let ``autoDeploy: yes`` pass here but not at Render.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Yaml12Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


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
        return not self.findings and isinstance(self.data, dict)

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


class _DuplicateKeyError(Exception):
    def __init__(self, key: object, line: int, first_line: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class _Builder:
    """Turns a composed node tree into Python data plus the line map."""

    def __init__(self, loader: _Yaml12Loader) -> None:
        self.loader = loader
        self.lines: dict[YamlPath, int] = {}

    def build(self, node: Node, path: YamlPath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self.loader.construct_object(node)
        raise yaml.constructor.ConstructorError(None, None, "unsupported node", node.start_mark)

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)  # resolves "<<" merge keys the way safe_load does
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKeyError(key, line, seen[key])
            seen[key] = line
            child = (*path, key)
            self.lines[child] = line
            result[key] = self.build(value_node, child)
        return result


def load_yaml(path: str | Path, display_path: str | None = None) -> YamlDocument:
    """Load ``path``; YAML problems become findings on the returned document.

    Raises :class:`ConfigFileError` when the file is missing, a directory, or not UTF-8.
    """
    shown = display_path or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise ConfigFileError(f"{shown}: is a directory, expected a YAML file") from None
    except (UnicodeDecodeError, PermissionError) as exc:
        raise ConfigFileError(f"{shown}: cannot read it ({exc})") from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, display_path: str) -> YamlDocument:
    """Parse YAML ``text`` as if it came from ``display_path``."""
    doc = YamlDocument(display_path)
    tab = _first_tab_indent(text)
    if tab is not None:
        # PyYAML's own error for this ("cannot start any token") does not say "tab".
        doc.findings.append(
            Finding(
                display_path, tab, "YML003", "tab used for indentation; YAML allows only spaces"
            )
        )
        return doc
    try:
        # The reader rejects control characters while it is being built, before any node.
        loader = _Yaml12Loader(text)
    except yaml.YAMLError as exc:
        doc.findings.append(Finding(display_path, None, "YML001", f"invalid YAML: {exc}"))
        return doc
    try:
        node = loader.get_single_node()
        builder = _Builder(loader)
        doc.data = builder.build(node, ()) if node is not None else None
        doc.lines = builder.lines
    except _DuplicateKeyError as dup:
        message = f"duplicate key {dup.key!r} (first at line {dup.first_line})"
        doc.findings.append(Finding(display_path, dup.line, "YML002", message))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        doc.findings.append(Finding(display_path, line, "YML001", f"invalid YAML: {problem}"))
    except yaml.YAMLError as exc:
        doc.findings.append(Finding(display_path, None, "YML001", f"invalid YAML: {exc}"))
    finally:
        loader.dispose()
    if not doc.findings and not isinstance(doc.data, dict):
        found = type(doc.data).__name__ if doc.data is not None else "an empty document"
        doc.findings.append(
            Finding(display_path, 1, "YML004", f"expected a mapping at the top, found {found}")
        )
    return doc


def _first_tab_indent(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if _LEADING_TAB.match(line):
            return number
    return None
