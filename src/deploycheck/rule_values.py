"""The values a config gives a rule, checked wherever they come from (the config file's
``rules:`` and ``ignore:``, ``DEPLOYCHECK_<ID>_<OPTION>`` env vars, ``--rule``): a known rule
id, a level or ``off``, an option the rule has with a value of its type."""

from __future__ import annotations

from typing import Any

from deploycheck.errors import ConfigError
from deploycheck.findings import Level
from deploycheck.registry import REGISTRY, RELAYED_CODE, RuleInfo, load_all
from deploycheck.targets.yamlfile import parse_yaml

OFF = "off"
_TYPE_NAMES = {int: "a whole number", str: "a string", list: "a list", dict: "a mapping"}


def known_rule(rule_id: str, where: str) -> RuleInfo | None:
    """The registry entry for ``rule_id`` (None for a hadolint code); else a ConfigError."""
    load_all()
    if rule_id in REGISTRY:
        return REGISTRY[rule_id]
    if RELAYED_CODE.match(rule_id):
        return None
    close = [known for known in REGISTRY.infos() if known[:2] == rule_id[:2]][:3]
    hint = f" (known {rule_id[:2]} ids include {', '.join(close)})" if close else ""
    raise ConfigError(f"{where}: unknown rule id {rule_id!r}{hint}; `deploycheck rules` lists them")


def rule_level(value: object, where: str) -> tuple[Level | None, bool]:
    """A level (error, warning, info) or ``off``: ``(level, False)`` or ``(None, True)``."""
    # YAML 1.1 would read a bare `off` as False; our loader reads YAML 1.2, where it is a word.
    if value is False or value == OFF:
        return None, True
    try:
        return Level.named(str(value)), False
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc} or off") from None


def check_option(info: RuleInfo | None, option: str, value: object, where: str) -> None:
    """A ConfigError unless ``info``'s rule has ``option`` and ``value`` is of its type."""
    if info is None:
        raise ConfigError(f"{where}: hadolint's codes take no options")
    if option not in info.options:
        known = ", ".join(sorted(info.options)) or "none"
        raise ConfigError(f"{where}: {info.id} has no option {option!r} (its options: {known})")
    if value is None:
        return
    wanted = info.option_types[option]
    types = wanted if isinstance(wanted, tuple) else (wanted,)
    if float in types:
        types = (*types, int)
    wrong_bool = isinstance(value, bool) and bool not in types
    if wrong_bool or not isinstance(value, types):
        names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
        raise ConfigError(f"{where}: {info.id} option {option!r} wants {names}, found {value!r}")


def env_value(raw: str, where: str) -> Any:
    """An env var's value (``DEPLOYCHECK_<ID>_<OPTION>``) read as a YAML scalar."""
    doc = parse_yaml(f"value: {raw}", where)
    if doc.findings:
        raise ConfigError(f"{where}: cannot read {raw!r} as a YAML value")
    return doc.data["value"]
