"""The rule catalogue as text, JSON or Markdown: ``deploycheck rules`` and docs/rules.md.

docs/rules.md is this module's Markdown output, committed; a test fails when the two drift, so
the documentation is regenerated (``deploycheck rules --format markdown > docs/rules.md``)
whenever a rule's id, level, summary, options or docstring change. Each rule has a section
there whose heading is its anchor (``docs/rules.md#df004``, :attr:`RuleInfo.anchor`), which
the reporters link to.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import groupby

from deploycheck.registry import PRESETS, RuleInfo, load_all

FAMILIES = {
    "YML": "YAML loading (every YAML file)",
    "SCH": "JSON Schema validation",
    "RB": "Render Blueprint (render.yaml)",
    "XF": "cross-file: render.yaml against the repository",
    "DF": "Dockerfile",
    "DI": ".dockerignore and the build context",
    "HL": "hadolint",
    "RQ": "runtime requirements (requirements.txt)",
    "WF": "GitHub workflows",
    "IMG": "the built image (container suite)",
    "PRB": "security probes of the running app",
    "SEC": "secrets in the repository",
    "CHK": "the security checklist report",
    "SUP": "inline suppressions",
}


def _options(info: RuleInfo) -> str:
    shown = [
        f"`{name}`" + (f" = `{value}`" if value not in (None, [], {}) else "")
        for name, value in info.as_dict()["options"].items()
    ]
    return ", ".join(shown)


def as_text(infos: Iterable[RuleInfo]) -> str:
    rows = [
        (info.id, str(info.level) + ("" if info.enabled else " (opt-in)"), info.summary)
        for info in infos
    ]
    width = max(len(level) for _, level, _ in rows)
    return "\n".join(
        f"{rule_id:<7} {level:<{width}}  {summary}" for rule_id, level, summary in rows
    )


def as_json(infos: Iterable[RuleInfo]) -> str:
    return json.dumps([info.as_dict() for info in infos], indent=2)


def _markdown(text: str) -> str:
    return text.replace("``", "`")


def _level(info: RuleInfo) -> str:
    if info.enabled:
        return str(info.level)
    presets = ", ".join(sorted(info.presets))
    return f"{info.level}, opt-in" + (f" ({presets})" if presets else "")


def _section(info: RuleInfo) -> list[str]:
    """The rule's own section: its heading is the anchor reporters link to."""
    facts = f"Level: {_level(info)}. Reads: {info.target}."
    options = _options(info)
    if options:
        facts += f" Options: {options}."
    doc = [line.rstrip() for line in _markdown(info.doc).splitlines()]
    # A backslash at the end of a line is a hard break: the examples keep their own lines.
    body = "\n".join(
        line + ("\\" if line and index + 1 < len(doc) and doc[index + 1] else "")
        for index, line in enumerate(doc)
    )
    section = ["", f"### {info.id}", "", _markdown(info.summary), "", facts, "", body]
    if info.page:
        section += [
            "",
            f"Why it matters: {info.page.why}",
            "",
            f"How to fix: {info.page.fix}",
            "",
            f"Source: <{info.page.source}>",
        ]
    return section


def as_markdown(infos: Iterable[RuleInfo]) -> str:
    presets = [f"- `{name}`: {meaning}." for name, meaning in PRESETS.items()]
    lines = [
        "# deploycheck rules",
        "",
        "Generated from the rule registry by `deploycheck rules --format markdown`; do not edit",
        "by hand (tests/unit/deploycheck/test_catalogue.py fails when this file and the",
        "registry differ). A rule marked opt-in runs only when a config gives it a level or",
        "extends a preset named after it; options are set under `rules:` in",
        "`.deploycheck.yaml` (see the README). Presets (`extends: NAME`):",
        "",
        *presets,
    ]
    for family, members in groupby(infos, key=lambda info: info.family):
        rules = list(members)
        lines += [
            "",
            f"## {family}: {FAMILIES.get(family, family)}",
            "",
            "| id | level | summary | options |",
            "| --- | --- | --- | --- |",
        ]
        for info in rules:
            summary = _markdown(info.summary).replace("|", "\\|")
            link = f"[{info.id}](#{info.id.lower()})"
            lines.append(f"| {link} | {_level(info)} | {summary} | {_options(info)} |")
        for info in rules:
            lines += _section(info)
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Iterable[RuleInfo]], str]] = {
    "text": as_text,
    "json": as_json,
    "markdown": as_markdown,
}


def render(fmt: str) -> str:
    """Every registered rule, sorted by family then id, in ``fmt``."""
    infos = sorted(
        load_all(),
        key=lambda info: (
            list(FAMILIES).index(info.family) if info.family in FAMILIES else len(FAMILIES),
            info.id,
        ),
    )
    return RENDERERS[fmt](infos)
