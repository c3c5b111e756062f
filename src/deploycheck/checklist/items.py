"""A project's checklist, declared in its deploycheck config and read here.

deploycheck carries no checklist of its own: a project lists its items under ``checklist:``
in ``.deploycheck.yaml`` (or ``[tool.deploycheck.checklist]``), and the pytest recorder, the
report and ``deploycheck report`` all read that one declaration::

    checklist:
      title: Security checklist     # the report's heading (default: Checklist)
      items:
        - number: 1
          title: Secrets are not in the repository
          automated: a secret scan of every tracked file
          manual: [Secrets are entered in the hosting dashboard]
          suites: [config]          # suites that must record passing evidence
      attach:                       # Markdown files the suites write, shown after the items
        - {file: image.md, title: Image, missing: the container suite did not run}

Tests back an item with ``@pytest.mark.checklist(N)``. :func:`parse_checklist` is the hook
:mod:`deploycheck.config` calls for the section; every mistake is a ``ConfigError`` at file:line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from deploycheck.errors import ConfigError
from deploycheck.records import record

# ``where(yaml_path)`` -> "file:line" of that key in the config.
Locator = Callable[[tuple], str]

_SECTION_KEYS = {"title", "items", "attach"}
_ITEM_KEYS = {"number", "title", "automated", "manual", "suites"}
_ATTACH_KEYS = {"file", "title", "missing"}
DEFAULT_MISSING = "the suite that writes it did not run"


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item: its number, wording, the automated evidence and the manual steps."""

    number: int
    title: str
    automated: str = ""
    manual: tuple[str, ...] = ()
    # The suites whose evidence the item needs: a unit test alone cannot show what a running
    # image does, so without such a suite's evidence the item is not verified.
    suites: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return record(
            self,
            "number title automated manual suites",
            manual=list(self.manual),
            suites=list(self.suites),
        )


@dataclass(frozen=True)
class Attachment:
    """A Markdown file under the report directory that the report embeds after the items."""

    file: str
    title: str
    missing: str = DEFAULT_MISSING


@dataclass(frozen=True)
class Checklist:
    """A project's checklist items, in the order declared, and the report's attachments."""

    items: tuple[ChecklistItem, ...]
    attach: tuple[Attachment, ...] = ()
    title: str = "Checklist"

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(item.number for item in self.items)

    def item(self, number: int) -> ChecklistItem:
        """The item numbered ``number``; a ``KeyError`` names the declared numbers."""
        for entry in self.items:
            if entry.number == number:
                return entry
        raise KeyError(f"no checklist item {number!r}; declared: {self.describe_numbers()}")

    def describe_numbers(self) -> str:
        return ", ".join(map(str, self.numbers))


def parse_checklist(section: object, where: Locator) -> Checklist:
    """The ``checklist:`` section of a config, checked field by field."""
    if not isinstance(section, dict):
        raise ConfigError(f"{where(('checklist',))}: checklist: must be a mapping with items:")
    _only(section, _SECTION_KEYS, ("checklist",), where)
    raw_items = section.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ConfigError(
            f"{where(('checklist', 'items'))}: checklist: items: must be a non-empty list"
        )
    items: list[ChecklistItem] = []
    for index, raw in enumerate(raw_items):
        entry = _item(raw, ("checklist", "items", index), where)
        if entry.number in {known.number for known in items}:
            at = where(("checklist", "items", index, "number"))
            raise ConfigError(f"{at}: checklist item {entry.number} is declared twice")
        items.append(entry)
    raw_attach = section.get("attach", [])
    if not isinstance(raw_attach, list):
        raise ConfigError(f"{where(('checklist', 'attach'))}: checklist: attach: must be a list")
    attach = [
        _attachment(raw, ("checklist", "attach", i), where) for i, raw in enumerate(raw_attach)
    ]
    title = _text(section, "title", ("checklist",), where) or Checklist.title
    return Checklist(tuple(items), tuple(attach), title)


def _item(raw: object, path: tuple, where: Locator) -> ChecklistItem:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where(path)}: a checklist item must be a mapping with number: and title:"
        )
    _only(raw, _ITEM_KEYS, path, where)
    number = raw.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ConfigError(
            f"{where((*path, 'number'))}: number: must be a whole number from 1, found {number!r}"
        )
    return ChecklistItem(
        number,
        _text(raw, "title", path, where, required=True),
        _text(raw, "automated", path, where),
        _texts(raw, "manual", path, where),
        _texts(raw, "suites", path, where),
    )


def _attachment(raw: object, path: tuple, where: Locator) -> Attachment:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where(path)}: an attachment must be a mapping with file: and title:")
    _only(raw, _ATTACH_KEYS, path, where)
    file = _text(raw, "file", path, where, required=True)
    relative = PurePosixPath(file)
    if relative.is_absolute() or ".." in relative.parts:
        raise ConfigError(
            f"{where((*path, 'file'))}: file: must be a path inside the report directory, "
            f"found {file!r}"
        )
    missing = _text(raw, "missing", path, where) or DEFAULT_MISSING
    return Attachment(file, _text(raw, "title", path, where, required=True), missing)


def _only(raw: Mapping[str, Any], allowed: set[str], path: tuple, where: Locator) -> None:
    for key in raw:
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise ConfigError(f"{where((*path, key))}: unknown key {key!r}: expected {expected}")


def _text(
    raw: Mapping[str, Any], key: str, path: tuple, where: Locator, *, required: bool = False
) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{where((*path, key))}: {key}: must be a non-empty string, found {value!r}"
        )
    return value.strip()


def _texts(raw: Mapping[str, Any], key: str, path: tuple, where: Locator) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f"{where((*path, key))}: {key}: must be a list of strings, found {value!r}"
        )
    return tuple(v.strip() for v in value)
