"""The Blueprint checker: load, schema, Blueprint rules and cross-file rules, in that order.

Later stages only run on what earlier ones could read: a file that is not YAML gets its one
YAML finding and nothing else; a schema error does not stop the Blueprint rules, which read the
Blueprint defensively, so one run shows every problem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from deploycheck import registry
from deploycheck.config import Config, config_for
from deploycheck.findings import Finding, Level, Result
from deploycheck.official_schema import get_official_schema
from deploycheck.rules import crossfile
from deploycheck.rules.schema import (
    BLUEPRINT_SCHEMA,
    OFFICIAL_SCHEMA_ENV,
    compare,
    load_schema,
    schema_errors,
    validate,
)
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.yamlfile import YamlDocument

BLUEPRINT_TARGETS = ("yaml", "blueprint-schema", "blueprint", "repo")


def check_blueprint(
    path: str | Path,
    *,
    root: str | Path | None = None,
    config: Config | None = None,
    crossfile_rules: bool = True,
    environ: Mapping[str, str] | None = None,
    display_path: str | None = None,
    official_schema: str | None = None,
    official_required: bool = False,
) -> Result:
    """Every finding for the Blueprint at ``path``.

    ``root`` is the repository the cross-file rules read (default: the Blueprint's folder);
    ``config`` defaults to the one found from ``path`` upward, under the env-var overrides in
    ``environ`` (default ``os.environ``). Raises ``ConfigFileError``/``ConfigError`` when the
    check cannot run at all.
    ``official_schema`` (a URL or file; else the config's ``SCH002: {schema: ...}``, else
    ``$RENDER_BLUEPRINT_SCHEMA``, a file) adds Render's own schema as a second opinion (SCH002).
    When it cannot be had that is a warning, unless it was asked for (``official_required``, or
    the env var): then a ``ConfigFileError``.
    """
    settings = (config if config is not None else config_for(path)).with_overrides(environ=environ)
    blueprint = Blueprint.load(path, display_path)
    findings: list[Finding] = list(blueprint.document.findings)
    if blueprint.usable:
        document = blueprint.document
        location = official_schema or settings.options("SCH002").get("schema")
        findings += _schema_findings(document, location, official_required, environ)
        findings += registry.run("blueprint", blueprint, settings)
        if crossfile_rules:
            context = crossfile.RepoContext(blueprint, Path(root) if root else Path(path).parent)
            findings += registry.run("repo", context, settings)
    return Result(settings.finish(findings, {blueprint.document.path: Path(path)}))


def _schema_findings(
    document: YamlDocument,
    location: str | None,
    required: bool,
    environ: Mapping[str, str] | None,
) -> list[Finding]:
    """SCH001, and SCH002 with each disagreement said, when Render's schema is at hand."""
    ours = load_schema(BLUEPRINT_SCHEMA)
    env_file = (os.environ if environ is None else environ).get(OFFICIAL_SCHEMA_ENV)
    location = location or env_file
    if not location:
        return validate(document, ours, "SCH001", "Blueprint schema")
    # A file named in the environment was asked for as much as one on the command line.
    official = get_official_schema(location, required=required or location == env_file)
    skipped = [Finding(document.path, None, "SCH002", w, Level.WARNING) for w in official.warnings]
    if official.schema is None:
        return [*validate(document, ours, "SCH001", "Blueprint schema"), *skipped]
    theirs = schema_errors(document, official.schema)
    return [*compare(document, schema_errors(document, ours), theirs), *skipped]


def rule_catalogue() -> dict[str, str]:
    """``{rule id: what it wants}`` for every id the Blueprint checker can report."""
    return {
        info.id: info.summary for info in registry.load_all() if info.target in BLUEPRINT_TARGETS
    }
