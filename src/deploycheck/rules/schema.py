"""JSON Schema validation of YAML documents, every error a finding with its YAML path and line
(:mod:`deploycheck.rules.schema_errors` places each error and words it).

Three schema sources: our own Blueprint schema (``schemas/render-blueprint.schema.json``,
rule SCH001), Render's official one as a second opinion (SCH002; fetched and cached by
``deploycheck.official_schema``, never vendored), and the compose-spec,
GitHub workflow and Dependabot schemas that check-jsonschema vendors (SCH003).
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from deploycheck.errors import ConfigFileError
from deploycheck.findings import Finding
from deploycheck.registry import declare
from deploycheck.rules.schema_errors import SchemaError, schema_errors
from deploycheck.targets.yamlfile import YamlDocument, load_yaml

# The declared ids the validator reports under: ours and Render's schema.
OURS, RENDERS = "SCH001", "SCH002"
BLUEPRINT_SCHEMA = Path(__file__).parents[1] / "schemas" / "render-blueprint.schema.json"
OFFICIAL_SCHEMA_ENV = "RENDER_BLUEPRINT_SCHEMA"
# One validator serves three ids (which schema), so the ids are declared, not bound to a body.
declare(
    "SCH001",
    """render.yaml matches our Blueprint schema (closed objects: typos fail).

    A plan Render's schema lists in another spelling (``Starter``, ``basic_256mb``) is a warning
    naming the listed one: Render's own examples deploy with such plans.

    Passes: ``services: [{type: web, name: app, runtime: docker}]``
    Fails:  ``services: [{type: web, name: app, helthCheckPath: /health}]`` (unknown field)
    """,
    target="blueprint-schema",
)
declare(
    "SCH002",
    f"""render.yaml matches Render's own schema (``--official-schema``, ${OFFICIAL_SCHEMA_ENV}).

    Passes: a Blueprint Render's own JSON schema accepts
    Fails:  ``services: [{{type: web}}]`` (no name) against Render's schema
    """,
    target="blueprint-schema",
    # A URL or file of Render's schema; in .deploycheck.yaml: ``SCH002: {schema: URL}``.
    options={"schema": str},
)
declare(
    "SCH003",
    """Compose, workflow and Dependabot files match check-jsonschema's vendored schemas.

    Passes: ``on: pull_request`` / ``jobs: {test: {runs-on: ubuntu-latest, steps: [...]}}``
    Fails:  ``jobs: {test: {runs_on: ubuntu-latest}}`` (runs_on is not a job key)
    """,
    target="yaml-schema",
)


def load_schema(path: str | Path) -> dict[str, Any]:
    """A JSON schema from a file; a missing or broken file is a :class:`ConfigFileError`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigFileError(f"{path}: cannot load JSON schema ({exc})") from None


def vendored_schema(name: str) -> dict[str, Any]:
    """A schema check-jsonschema ships, e.g. ``compose-spec`` or ``github-workflows``."""
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / f"{name}.json").read_text(encoding="utf-8"))


def validate(
    doc: YamlDocument, schema: Mapping[str, Any], rule_id: str, label: str
) -> list[Finding]:
    """Every schema error in ``doc`` as a finding at the offending key's line."""
    errors = schema_errors(doc, schema)
    return sorted({doc.finding(rule_id, e.path, f"{e.message} ({label})", e.level) for e in errors})


def compare(
    doc: YamlDocument, ours: list[SchemaError], official: list[SchemaError]
) -> list[Finding]:
    """SCH001 and SCH002 findings, each saying where the two schemas disagree.

    An error only one schema reports is a disagreement: either ours is wrong about Render or
    Render's published schema lags behind what Render accepts; the finding says which side
    said what, so a reader knows which one to question.
    """
    findings = []
    for error in ours:
        note = "" if _overlaps(error, official) else "; Render's published schema accepts it"
        findings.append(
            doc.finding(OURS, error.path, f"{error.message} (Blueprint schema{note})", error.level)
        )
    for error in official:
        note = "" if _overlaps(error, ours) else "; our Blueprint schema accepts it"
        message = f"{error.message} (Render's official schema{note})"
        findings.append(doc.finding(RENDERS, error.path, message, error.level))
    return sorted(set(findings))


def _overlaps(error: SchemaError, others: list[SchemaError]) -> bool:
    """Whether ``others`` report anything at, above or below ``error``'s field: only when they
    are silent there does the other schema accept what ``error`` rejects."""
    mine = error.subject or error.path
    for other in others:
        theirs = other.subject or other.path
        shorter = min(len(mine), len(theirs))
        if mine[:shorter] == theirs[:shorter]:
            return True
    return False


def check_file(path: str | Path, schema: Mapping[str, Any], label: str) -> list[Finding]:
    """Load a YAML file line-aware and validate it (SCH003); YAML problems come back as is."""
    doc = load_yaml(path)
    return doc.findings or validate(doc, schema, "SCH003", label)
