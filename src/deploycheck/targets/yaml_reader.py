"""Reading YAML text as Render's and Compose's parsers do, safely: the data and the 1-based line
of every mapping key and list item, each problem that ends loading raised as one
:class:`LoadError` with its line and YML rule id (:mod:`deploycheck.targets.yamlfile` turns it
into a finding).

The node tree is composed first, with YAML 1.2 booleans and a bound on nesting depth; its size
and depth, aliases expanded, are measured *before* anything is expanded; then it is walked once
to build the data and the line map.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from deploycheck.findings import Finding

YamlPath = tuple[str | int, ...]

# A Blueprint is a few kilobytes, a dozen levels deep, a few thousand nodes; the bounds sit
# far above any real file and far below what would take seconds or gigabytes to expand.
MAX_DEPTH = 64
MAX_NODES = 50_000

_LEADING_TAB = re.compile(r"^ *\t")
# C0 controls but tab, newline and carriage return; DEL; C1 controls but NEL (a YAML line
# break). YAML forbids them unescaped, and escaped ones (``"\0"``) end up in paths and
# commands where they never belong.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"


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


class LoadError(Exception):
    """A problem that ends loading: one finding at ``line``."""

    rule_id = "YML001"

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message

    def finding(self, path: str) -> Finding:
        return Finding(path, self.line, self.rule_id, self.message)


class _DuplicateKeyError(LoadError):
    rule_id = "YML002"


class _TabError(LoadError):
    rule_id = "YML003"


class _ControlCharacterError(LoadError):
    rule_id = "YML006"


class _KeyError(LoadError):
    rule_id = "YML007"


class _BoundError(LoadError):
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
            raise LoadError(_line(node), f"cannot read {node.value!r}: {exc}") from None
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


def read_yaml(text: str) -> tuple[Any, dict[YamlPath, int]]:
    """The data of YAML ``text`` and the line of every path in it; raises :class:`LoadError`
    or PyYAML's own errors."""
    loader = _Yaml12Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _Measure().check(node)
        builder = _Builder(loader)
        return builder.build(node, ()), builder.lines
    finally:
        loader.dispose()


def first_text_problem(text: str) -> LoadError | None:
    """A tab indenting a line or a control character: refused before parsing, at its line."""
    return _first_tab_indent(text) or _first_control_character(text)


def _first_tab_indent(text: str) -> LoadError | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if _LEADING_TAB.match(line):
            # PyYAML's own error for this ("cannot start any token") does not say "tab".
            return _TabError(number, "tab used for indentation; YAML allows only spaces")
    return None


def _first_control_character(text: str) -> LoadError | None:
    bad = _CONTROL.search(text)
    if bad is None:
        return None
    line = text.count("\n", 0, bad.start()) + 1
    return _ControlCharacterError(
        line, f"control character U+{ord(bad.group()):04X}; YAML files are plain text"
    )
