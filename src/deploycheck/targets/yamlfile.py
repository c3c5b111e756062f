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

# A Blueprint is a few kilobytes, a dozen levels deep, a few thousand nodes; the bounds sit
# far above any real file and far below what would take seconds or gigabytes to expand.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 50_000

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

_LEADING_TAB = re.compile(r"^ *\t")
# C0 controls but tab, newline and carriage return; DEL; C1 controls but NEL (a YAML line
# break). YAML forbids them unescaped, and escaped ones (``"\0"``) end up in paths and
# commands where they never belong.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_BOM = "\ufeff"


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, as Render's and Compose's Go parsers read them, and a
    bound on nesting depth (PyYAML's composer recurses once per level).

    YAML 1.1 (PyYAML's default) turns ``on``/``yes``/``off`` into booleans, which would make a
    workflow's ``on:`` key ``True`` and let ``autoDeploy: yes`` pass here but not at Render.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _BoundError(self.peek_event().start_mark.line + 1, _too_deep())
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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


class _LoadError(Exception):
    """A problem that ends loading: one finding at ``line``."""

    rule_id = "YML001"

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message

    def finding(self, path: str) -> Finding:
        return Finding(path, self.line, self.rule_id, self.message)


class _DuplicateKeyError(_LoadError):
    rule_id = "YML002"


class _TabError(_LoadError):
    rule_id = "YML003"


class _ControlCharacterError(_LoadError):
    rule_id = "YML006"


class _KeyError(_LoadError):
    rule_id = "YML007"


class _BoundError(_LoadError):
    rule_id = "YML008"


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels; no Blueprint needs that many"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


class _Measure:
    """Size and height of the node graph as it would expand, without expanding it.

    Aliases make the composed graph a DAG (or a cycle: PyYAML lets ``&a [*a]`` through), so
    each node is measured once and shared: linear in the file, however exponential the
    expansion would be.
    """

    def __init__(self) -> None:
        self.known: dict[int, tuple[int, int]] = {}
        self.active: set[int] = set()

    def check(self, root: Node) -> None:
        self._measure(root, 1)

    def _measure(self, node: Node, depth: int) -> tuple[int, int]:
        """``(nodes, height)`` of ``node`` expanded, ``depth`` being where it sits."""
        key = id(node)
        if key in self.active:
            raise _BoundError(_line(node), "an alias refers to a node that contains it")
        if key not in self.known:
            if depth > MAX_DEPTH:
                raise _BoundError(_line(node), _too_deep())
            self.active.add(key)
            parts = [self._measure(child, depth + 1) for child in _children(node)]
            self.active.discard(key)
            self.known[key] = (
                1 + sum(n for n, _ in parts),
                1 + max((h for _, h in parts), default=0),
            )
        size, height = self.known[key]
        if depth + height - 1 > MAX_DEPTH:
            raise _BoundError(_line(node), _too_deep() + " (counting what its aliases expand to)")
        if size > MAX_NODES:
            raise _BoundError(
                _line(node),
                f"its aliases expand to more than {MAX_NODES} nodes (a 'billion laughs' "
                "file?); write the values out instead",
            )
        return size, height


class _Builder:
    """Turns a composed node tree into Python data plus the line map."""

    def __init__(self, loader: _Yaml12Loader) -> None:
        self.loader = loader
        self.lines: dict[YamlPath, int] = {}

    def build(self, node: Node, path: YamlPath) -> Any:
        self.lines.setdefault(path, _line(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: Node) -> Any:
        try:
            value = self.loader.construct_object(node)
        except (ValueError, TypeError, OverflowError) as exc:
            # A timestamp such as 2026-02-30 matches YAML's pattern but is no date.
            raise _LoadError(_line(node), f"cannot read {node.value!r}: {exc}") from None
        if isinstance(value, str) and (bad := _CONTROL.search(value)):
            raise _ControlCharacterError(
                _line(node), f"value contains control character U+{ord(bad.group()):04X}"
            )
        return value

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                kind = "list" if isinstance(key_node, SequenceNode) else "mapping"
                raise _KeyError(_line(key_node), f"a {kind} is used as a mapping key")
            if key_node.tag == _MERGE:
                continue
            key = self._scalar(key_node)
            if key in seen:
                raise _DuplicateKeyError(
                    _line(key_node), f"duplicate key {key!r} (first at line {seen[key]})"
                )
            seen[key] = _line(key_node)
        # Resolves "<<" merge keys the way safe_load does: explicit keys win over merged ones.
        self.loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node)
            child = (*path, key)
            self.lines[child] = _line(key_node)
            result[key] = self.build(value_node, child)
        return result


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
    problem = _first_tab_indent(text) or _first_control_character(text)
    if problem is not None:
        doc.findings.append(problem.finding(display_path))
        return doc
    loader: _Yaml12Loader | None = None
    try:
        loader = _Yaml12Loader(text)
        node = loader.get_single_node()
        if node is not None:
            _Measure().check(node)
        builder = _Builder(loader)
        doc.data = builder.build(node, ()) if node is not None else None
        doc.lines = builder.lines
    except _LoadError as exc:
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
    finally:
        if loader is not None:
            loader.dispose()
    _require_mapping(doc)
    return doc


def _require_mapping(doc: YamlDocument) -> None:
    if any(f.level is Level.ERROR for f in doc.findings) or isinstance(doc.data, dict):
        return
    found = type(doc.data).__name__ if doc.data is not None else "an empty document"
    doc.findings.append(
        Finding(doc.path, 1, "YML004", f"expected a mapping at the top, found {found}")
    )


def _first_tab_indent(text: str) -> _LoadError | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if _LEADING_TAB.match(line):
            # PyYAML's own error for this ("cannot start any token") does not say "tab".
            return _TabError(number, "tab used for indentation; YAML allows only spaces")
    return None


def _first_control_character(text: str) -> _LoadError | None:
    bad = _CONTROL.search(text)
    if bad is None:
        return None
    line = text.count("\n", 0, bad.start()) + 1
    return _ControlCharacterError(
        line, f"control character U+{ord(bad.group()):04X}; YAML files are plain text"
    )
