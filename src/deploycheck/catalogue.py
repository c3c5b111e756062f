"""The rule catalogue as text, JSON or Markdown: ``deploycheck rules`` and docs/rules.md.

docs/rules.md is this module's Markdown output, committed; a test fails when the two drift, so
the documentation is regenerated (``deploycheck rules --format markdown > docs/rules.md``)
whenever a rule's id, level, summary or options change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import groupby

from deploycheck.registry import RuleInfo, load_all

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


def as_markdown(infos: Iterable[RuleInfo]) -> str:
    lines = [
        "# deploycheck rules",
        "",
        "Generated from the rule registry by `deploycheck rules --format markdown`; do not edit",
        "by hand (tests/config/test_catalogue.py fails when this file and the registry differ).",
        "A rule marked opt-in runs only when a config gives it a level; options are set under",
        "`rules:` in `.deploycheck.yaml` (see the README).",
    ]
    for family, members in groupby(infos, key=lambda info: info.family):
        lines += [
            "",
            f"## {family}: {FAMILIES.get(family, family)}",
            "",
            "| id | level | summary | options |",
            "| --- | --- | --- | --- |",
        ]
        for info in members:
            level = str(info.level) + ("" if info.enabled else ", opt-in")
            summary = info.summary.replace("``", "`").replace("|", "\\|")
            lines.append(f"| {info.id} | {level} | {summary} | {_options(info)} |")
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
