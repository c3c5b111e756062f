"""The Blueprint checker: load, schema, Blueprint rules and cross-file rules, in that order.

Later stages only run on what earlier ones could read: a file that is not YAML gets its one
YAML finding and nothing else; a schema error does not stop the Blueprint rules, which read the
Blueprint defensively, so one run shows every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from deploycheck import registry
from deploycheck.config import Config, config_for
from deploycheck.findings import Finding, Result
from deploycheck.rules import crossfile
from deploycheck.rules.schema import (
    BLUEPRINT_SCHEMA,
    load_schema,
    official_blueprint_schema,
    validate,
)
from deploycheck.targets.blueprint import Blueprint

BLUEPRINT_TARGETS = ("yaml", "blueprint-schema", "blueprint", "repo")


def check_blueprint(
    path: str | Path,
    *,
    root: str | Path | None = None,
    config: Config | None = None,
    crossfile_rules: bool = True,
    environ: Mapping[str, str] | None = None,
    display_path: str | None = None,
) -> Result:
    """Every finding for the Blueprint at ``path``.

    ``root`` is the repository the cross-file rules read (default: the Blueprint's folder);
    ``config`` defaults to the one found from ``path`` upward, under the env-var overrides in
    ``environ`` (default ``os.environ``). Raises ``ConfigFileError``/``ConfigError`` when the
    check cannot run at all.
    """
    settings = (config if config is not None else config_for(path)).with_overrides(environ=environ)
    blueprint = Blueprint.load(path, display_path)
    findings: list[Finding] = list(blueprint.document.findings)
    if blueprint.usable:
        document = blueprint.document
        findings += validate(document, load_schema(BLUEPRINT_SCHEMA), "SCH001", "Blueprint schema")
        official = official_blueprint_schema(environ)
        if official is not None:
            findings += validate(document, official, "SCH002", "Render's official schema")
        findings += registry.run("blueprint", blueprint, settings)
        if crossfile_rules:
            context = crossfile.RepoContext(blueprint, Path(root) if root else Path(path).parent)
            findings += registry.run("repo", context, settings)
    return Result(settings.finish(findings, {blueprint.document.path: Path(path)}))


def rule_catalogue() -> dict[str, str]:
    """``{rule id: what it wants}`` for every id the Blueprint checker can report."""
    return {
        info.id: info.summary for info in registry.load_all() if info.target in BLUEPRINT_TARGETS
    }
