"""deploycheck's configuration: ``.deploycheck.yaml`` or ``[tool.deploycheck]`` in pyproject.toml.

Found like ruff's and yamllint's, from the checked file's folder upward; the first folder with
a ``.deploycheck.yaml``, or a ``pyproject.toml`` with a ``[tool.deploycheck]`` table, wins. Its
shape::

    extends: strict             # optional: a preset (or a list of them) of opt-in rules
    rules-version: 0.2.0        # optional: default rules of later releases report, not fail
    rules:
      DF012: warning            # a level: error, warning, info, or off
      DF002:                    # or a mapping: an optional level and the rule's options
        level: error
        base: python:3.11-slim-bookworm
    ignore:                     # per-path ignores, globs relative to the config's folder
      tests/fixtures/**: [DF001, DF002]
    cost:                       # optional: `deploycheck cost`'s prices over the shipped table
      prices: ops/prices.yaml   # a table file, relative to the config's folder
      compute: {standard: 30}   # and/or inline parts of the table (same shape)

Precedence, highest first: the command line (``--rule ID=LEVEL``), env vars
(``DEPLOYCHECK_<ID>_<OPTION>=value``, the value read as a YAML scalar), the config file's
``rules:``, the presets it extends, the rule's defaults; for prices, ``--prices FILE``, then
the config's inline ``cost:`` parts, its ``cost: prices:`` file, the shipped table. Which file:
``--config PATH``, else ``$DEPLOYCHECK_CONFIG``, else the one found upward; ``--no-config``
uses none. Every mistake
in any of them is a :class:`ConfigError` naming file:line (or the variable).
"""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deploycheck import suppressions
from deploycheck.checklist.items import Checklist, parse_checklist
from deploycheck.errors import ConfigError, ConfigFileError
from deploycheck.findings import Finding, Level
from deploycheck.prices import KEYS, PRICES, checked
from deploycheck.registry import PRESETS, REGISTRY, RELEASES, load_all
from deploycheck.rehearse.settings import RehearseSettings, parse_rehearse
from deploycheck.rule_values import check_option, env_value, known_rule, rule_level
from deploycheck.targets.yamlfile import YamlDocument, load_yaml

CONFIG_FILE = ".deploycheck.yaml"
PYPROJECT = "pyproject.toml"
ENV_OPTION = re.compile(r"^DEPLOYCHECK_(?P<id>[A-Z]{2,3}\d{3})_(?P<option>[A-Z0-9_]+)$")
_TOP_KEYS = {"extends", "rules", "ignore", "checklist", "rules-version", "rehearse", "cost"}


@dataclass(frozen=True)
class RuleSetting:
    """What the config says of one rule: a level (None: the default), off, options."""

    level: Level | None = None
    off: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PathIgnore:
    """``pattern: [ids]`` under ``ignore:``; ``*`` in the ids means every rule."""

    pattern: str
    rule_ids: frozenset[str]

    def covers(self, relative: str, rule_id: str) -> bool:
        ids_match = "*" in self.rule_ids or rule_id in self.rule_ids
        return ids_match and (
            fnmatch.fnmatch(relative, self.pattern)
            or fnmatch.fnmatch(relative, self.pattern.rstrip("/") + "/*")
        )


@dataclass(frozen=True)
class Config:
    """Presets, levels, options and ignores for one run. ``Config()`` is no config file."""

    path: Path | None = None
    rules: Mapping[str, RuleSetting] = field(default_factory=dict)
    ignores: tuple[PathIgnore, ...] = ()
    presets: frozenset[str] = frozenset()
    # The project's checklist (``checklist:``), which ``deploycheck report`` and the recorder read.
    checklist: Checklist | None = None
    # ``rules-version:``: the release whose default rule set may fail the build.
    rules_version: str | None = None
    # How ``deploycheck rehearse`` loads the service (``rehearse:``; deploycheck.rehearse).
    rehearse: RehearseSettings | None = None
    # ``cost:``: the price file it names (resolved) and its inline parts, lowest first.
    prices_file: Path | None = None
    prices: Mapping[str, Any] = field(default_factory=dict)

    def deferred(self, rule_id: str) -> bool:
        """A default rule newer than ``rules-version`` that the project has not opted into
        (given a level): its findings report but do not fail."""
        info = REGISTRY.infos().get(rule_id)
        if self.rules_version is None or info is None or not info.newer_than(self.rules_version):
            return False
        setting = self.rules.get(rule_id)
        return setting is None or setting.level is None

    @property
    def root(self) -> Path | None:
        """The folder per-path ignores are relative to: the config file's."""
        return self.path.parent if self.path else None

    def enabled(self, rule_id: str) -> bool:
        """Off if the config says so; else on by default, by a level, or by a preset."""
        setting = self.rules.get(rule_id)
        if setting is not None and setting.off:
            return False
        if setting is not None and setting.level is not None:
            return True
        info = REGISTRY.infos().get(rule_id)
        return info is None or info.enabled or bool(info.presets & self.presets)

    def options(self, rule_id: str) -> Mapping[str, Any]:
        setting = self.rules.get(rule_id)
        return dict(setting.options) if setting else {}

    def level(self, rule_id: str, found: Level) -> Level:
        """The configured level, else the one the finding came with."""
        setting = self.rules.get(rule_id)
        return setting.level if setting and setting.level is not None else found

    def ignored(self, finding: Finding) -> bool:
        if not self.ignores or self.root is None:
            return False
        try:
            relative = Path(finding.path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            relative = finding.path
        return any(ignore.covers(relative, finding.rule_id) for ignore in self.ignores)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """``findings`` without those of rules turned off or ignored for their path, each at
        its configured level; sorted."""
        kept = []
        for finding in findings:
            if not self.enabled(finding.rule_id) or self.ignored(finding):
                continue
            level = self.level(finding.rule_id, finding.level)
            kept.append(finding if level is finding.level else replace(finding, level=level))
        return sorted(kept)

    def finish(self, findings: Iterable[Finding], files: Mapping[str, Path]) -> list[Finding]:
        """The verdict: :meth:`apply`, then the inline suppressions of ``files`` (shown path
        -> real path, the files the check read)."""
        found = suppressions.apply(self.apply(findings), suppressions.read(files))
        return self.apply(found)

    def with_overrides(
        self, levels: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> Config:
        """This config under env-var options and command-line levels (which win)."""
        rules = dict(self.rules)
        env = os.environ if environ is None else environ
        for name, raw in sorted(env.items()):
            where = f"{name}={raw!r}"
            match = ENV_OPTION.match(name)
            if not match:
                continue
            rule_id, option = match["id"], match["option"].lower()
            value = env_value(raw, where)
            check_option(known_rule(rule_id, where), option, value, where)
            old = rules.get(rule_id, RuleSetting())
            rules[rule_id] = replace(old, options={**old.options, option: value})
        for rule_id, text in (levels or {}).items():
            where = f"--rule {rule_id}={text}"
            known_rule(rule_id, where)
            old = rules.get(rule_id, RuleSetting())
            level, off = rule_level(text, where)
            rules[rule_id] = replace(old, level=level, off=off)
        return replace(self, rules=rules)


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The config for a file at ``start``: the nearest folder upward with one, or None."""
    here = Path(start).absolute()
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # not ours to judge; a broken pyproject.toml is no deploycheck config
    return isinstance(data.get("tool"), dict) and "deploycheck" in data["tool"]


def config_for(
    checked: str | os.PathLike[str],
    *,
    explicit: str | os.PathLike[str] | None = None,
    use_files: bool = True,
) -> Config:
    """The config a check of ``checked`` runs with: ``explicit`` if given, else the nearest
    one found upward, else none (also when ``use_files`` is False: ``--no-config``)."""
    if not use_files:
        return Config()
    path = Path(explicit) if explicit is not None else find_config(checked)
    return load_config(path) if path is not None else Config()


def load_config(path: str | os.PathLike[str]) -> Config:
    """Parse the config file at ``path``; any mistake is a :class:`ConfigError` at file:line."""
    path = Path(path)
    if path.name == PYPROJECT:
        return _from_pyproject(path)
    try:
        doc = load_yaml(path)
    except ConfigFileError as exc:
        raise ConfigError(f"config {exc}") from None
    return _from_document(doc, path)


def _from_pyproject(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("deploycheck")
    if table is None:
        raise ConfigError(f"{path}: has no [tool.deploycheck] table")
    # TOML keeps no lines; re-reading the table as YAML-shaped data gives every key one, by
    # pointing each key at the first line of the file that names it.
    doc = YamlDocument(str(path), table, _toml_lines(text, table))
    return _from_document(doc, path)


def _toml_lines(text: str, table: Any, prefix: tuple = ()) -> dict[tuple, int]:
    lines: dict[tuple, int] = {}
    numbered = text.splitlines()
    for key, value in table.items() if isinstance(table, dict) else ():
        pattern = re.compile(rf'^\s*(\[[^\]]*)?"?{re.escape(str(key))}"?\s*[=\]]')
        line = next((i for i, row in enumerate(numbered, 1) if pattern.search(row)), None)
        if line is not None:
            lines[(*prefix, key)] = line
        lines.update(_toml_lines(text, value, (*prefix, key)))
    return lines


def _from_document(doc: YamlDocument, path: Path) -> Config:
    if doc.data is None and [f.rule_id for f in doc.findings] == ["YML004"]:
        return Config(path)  # an empty file (or only comments) sets nothing
    if doc.findings:
        first = doc.findings[0]
        raise ConfigError(f"{path}:{first.line or 1}: {first.message} ({first.rule_id})")
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping with extends:, rules: and ignore:")
    load_all()
    for key in data:
        if key not in _TOP_KEYS:
            expected = ", ".join(sorted(_TOP_KEYS))
            where = _at(doc, (key,))
            raise ConfigError(f"{where}: unknown key {key!r}: expected one of {expected}")
    presets = _presets(doc, data.get("extends"))
    rules = _rules(doc, data.get("rules") or {})
    ignores = _ignores(doc, data.get("ignore") or {})
    checklist = None
    if "checklist" in data:
        checklist = parse_checklist(data["checklist"], lambda yaml_path: _at(doc, yaml_path))
    rules_version = _rules_version(doc, data.get("rules-version"))
    rehearse = None
    if "rehearse" in data:
        rehearse = parse_rehearse(data["rehearse"], lambda yaml_path: _at(doc, yaml_path))
    prices_file, prices = _cost(doc, path, data.get("cost", {}))
    return Config(
        path,
        rules,
        ignores,
        presets,
        checklist,
        rules_version,
        rehearse,
        prices_file,
        prices,
    )


def _cost(doc: YamlDocument, path: Path, section: object) -> tuple[Path | None, dict[str, Any]]:
    """``cost:``: ``prices:``, a table file relative to the config's folder, and inline parts
    of the table; the file itself is read when ``deploycheck cost`` runs."""
    if not isinstance(section, dict):
        where = _at(doc, ("cost",))
        raise ConfigError(f"{where}: cost: must be a mapping (prices:, compute:, ...)")
    for key in section:
        if key != "prices" and key not in KEYS:
            known = ", ".join(["prices", *sorted(KEYS)])
            raise ConfigError(f"{_at(doc, ('cost', key))}: unknown key {key!r} in cost: ({known})")
    inline = {key: value for key, value in section.items() if key != "prices"}
    table = checked(inline, lambda yaml_path: _at(doc, ("cost", *yaml_path)))
    named = section.get("prices")
    if named is None:
        return None, table
    if not isinstance(named, str) or not named.strip():
        where = _at(doc, ("cost", "prices"))
        raise ConfigError(f"{where}: cost: prices: wants a path to a table like {PRICES}")
    return path.parent / named, table


def _rules_version(doc: YamlDocument, value: object) -> str | None:
    """``rules-version:``: one of deploycheck's releases, no later than this one."""
    if value is None:
        return None
    if str(value) not in RELEASES:
        where = _at(doc, ("rules-version",))
        raise ConfigError(
            f"{where}: rules-version {value!r} is not a deploycheck release "
            f"(releases: {', '.join(RELEASES)})"
        )
    return str(value)


def _at(doc: YamlDocument, yaml_path: tuple) -> str:
    return f"{doc.path}:{doc.line_of(yaml_path) or 1}"


def _presets(doc: YamlDocument, section: object) -> frozenset[str]:
    """``extends:``: one preset name or a list of them, each one :data:`PRESETS` knows."""
    names = section if isinstance(section, list) else [] if section is None else [section]
    for index, name in enumerate(names):
        where = _at(doc, ("extends", index) if isinstance(section, list) else ("extends",))
        if not isinstance(name, str) or name not in PRESETS:
            known = ", ".join(sorted(PRESETS))
            raise ConfigError(f"{where}: unknown preset {name!r} in extends: (known: {known})")
    return frozenset(names)


def _rules(doc: YamlDocument, section: object) -> dict[str, RuleSetting]:
    if not isinstance(section, dict):
        raise ConfigError(f"{_at(doc, ('rules',))}: rules: must map rule ids to levels")
    rules: dict[str, RuleSetting] = {}
    for rule_id, value in section.items():
        where = _at(doc, ("rules", rule_id))
        info = known_rule(str(rule_id), where)
        if isinstance(value, dict):
            options = {k: v for k, v in value.items() if k != "level"}
            level, off = rule_level(value["level"], where) if "level" in value else (None, False)
            if info is None and options:
                raise ConfigError(f"{where}: {rule_id} is hadolint's; it takes no options")
            for option, option_value in options.items():
                check_option(info, str(option), option_value, _at(doc, ("rules", rule_id, option)))
            rules[str(rule_id)] = RuleSetting(level, off, options)
        else:
            level, off = rule_level(value, where)
            rules[str(rule_id)] = RuleSetting(level, off)
    return rules


def _ignores(doc: YamlDocument, section: object) -> tuple[PathIgnore, ...]:
    if not isinstance(section, dict):
        raise ConfigError(f"{_at(doc, ('ignore',))}: ignore: must map path globs to rule ids")
    ignores = []
    for pattern, ids in section.items():
        where = _at(doc, ("ignore", pattern))
        listed = ids if isinstance(ids, list) else [ids]
        for rule_id in listed:
            if rule_id != "*":
                known_rule(str(rule_id), where)
        ignores.append(PathIgnore(str(pattern), frozenset(map(str, listed))))
    return tuple(ignores)
