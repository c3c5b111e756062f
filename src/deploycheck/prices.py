"""The price table ``deploycheck cost`` reads, and the overrides laid over it.

The shipped table (``deploycheck/data/render-prices.yaml``) comes first; over it, in order, the
config's ``cost: prices:`` file, the config's inline ``cost:`` sections, then ``--prices FILE``:
the command line wins, as everywhere else. An override has the shipped table's shape and may
hold any part of it; every mistake in one is a :class:`ConfigError` at its file:line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from deploycheck.errors import ConfigError, ConfigFileError
from deploycheck.targets.yamlfile import YamlDocument, load_yaml

PRICES = "render-prices.yaml"
# plan -> monthly price (cron: price per minute of run time)
PLAN_SECTIONS = frozenset({"compute", "cron_per_minute", "postgres", "keyvalue"})
RATES = frozenset({"disk_per_gb", "postgres_storage_per_gb"})
LABELS = frozenset({"source", "read", "currency"})
KEYS = PLAN_SECTIONS | RATES | LABELS


def plan_name(name: object) -> str:
    """``pro_plus``, ``Pro Plus`` and ``pro plus`` are one plan."""
    return " ".join(str(name).strip().lower().replace("_", " ").split())


def shipped() -> dict[str, Any]:
    """The table this release ships, with its source and the date it was read."""
    return yaml.safe_load(resources.files("deploycheck").joinpath("data", PRICES).read_text())


def checked(data: object, where: Callable[[tuple], str]) -> dict[str, Any]:
    """``data`` as an override table, plan names normalised; else a ConfigError at
    ``where(yaml_path)`` naming what is wrong."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where(())}: expected a mapping shaped like {PRICES}")
    table: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise ConfigError(f"{where((key,))}: unknown price key {key!r} (known: {known})")
        if key in LABELS:
            table[key] = str(value)
        elif key in RATES:
            table[key] = _price(value, where((key,)), key)
        elif not isinstance(value, dict):
            raise ConfigError(f"{where((key,))}: {key}: must map plan names to prices")
        else:
            table[key] = {
                plan_name(plan): _price(price, where((key, plan)), f"{key}: {plan}")
                for plan, price in value.items()
            }
    return table


def _price(value: object, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{where}: {what}: expected a price of 0 or more, found {value!r}")
    return value


def load_table(path: str | Path) -> dict[str, Any]:
    """The override table in the YAML file at ``path``."""
    try:
        doc = load_yaml(path)
    except ConfigFileError as exc:  # missing, a directory, unreadable
        raise ConfigError(f"prices {exc}") from None
    if doc.findings:
        first = doc.findings[0]
        raise ConfigError(f"{path}:{first.line or 1}: {first.message} ({first.rule_id})")
    return checked(doc.data, _located(doc))


def _located(doc: YamlDocument) -> Callable[[tuple], str]:
    return lambda yaml_path: f"{doc.path}:{doc.line_of(yaml_path) or 1}"


def load_prices(*overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The shipped table with each of ``overrides`` laid over it in turn (a plan section
    merges plan by plan; any other key replaces)."""
    table = shipped()
    for extra in overrides:
        for key, value in extra.items():
            if isinstance(value, Mapping) and isinstance(table.get(key), dict):
                table[key] = {**table[key], **value}
            else:
                table[key] = value
    return table
