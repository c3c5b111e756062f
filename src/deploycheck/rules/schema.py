"""JSON Schema validation of YAML documents, every error a finding with its YAML path and line.

Three schema sources: our own Blueprint schema (``schemas/render-blueprint.schema.json``,
rule SCH001), Render's official one when ``RENDER_BLUEPRINT_SCHEMA`` names a local copy (SCH002;
not vendored, so a stale copy never passes for the real thing), and the compose-spec,
GitHub workflow and Dependabot schemas that check-jsonschema vendors (SCH003).
"""

from __future__ import annotations

import difflib
import importlib.resources
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import validator_for

from deploycheck.errors import ConfigFileError
from deploycheck.findings import Finding
from deploycheck.registry import declare
from deploycheck.targets.yamlfile import YamlDocument, YamlPath, load_yaml

BLUEPRINT_SCHEMA = Path(__file__).parents[1] / "schemas" / "render-blueprint.schema.json"
OFFICIAL_SCHEMA_ENV = "RENDER_BLUEPRINT_SCHEMA"

# One validator serves three ids (which schema), so the ids are declared, not bound to a body.
declare(
    "SCH001",
    """render.yaml matches our Blueprint schema (closed objects: typos fail).

    Passes: ``services: [{type: web, name: app, runtime: docker}]``
    Fails:  ``services: [{type: web, name: app, helthCheckPath: /health}]`` (unknown field)
    """,
    target="blueprint-schema",
)
declare(
    "SCH002",
    f"""render.yaml matches Render's official schema, when ${OFFICIAL_SCHEMA_ENV} is set.

    Passes: a Blueprint Render's own JSON schema accepts
    Fails:  ``services: [{{type: web}}]`` (no name) against Render's schema
    """,
    target="blueprint-schema",
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


def official_blueprint_schema(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Render's schema from the file ``$RENDER_BLUEPRINT_SCHEMA`` names, or ``None`` if unset."""
    location = (os.environ if environ is None else environ).get(OFFICIAL_SCHEMA_ENV)
    return load_schema(location) if location else None


def validate(
    doc: YamlDocument, schema: Mapping[str, Any], rule_id: str, label: str
) -> list[Finding]:
    """Every schema error in ``doc`` as a finding at the offending key's line."""
    validator = validator_for(schema)(schema)
    findings: list[Finding] = []
    for error in map(_most_relevant, validator.iter_errors(doc.data)):
        path: YamlPath = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            findings.extend(_unknown_fields(doc, error, path, rule_id, label))
        else:
            findings.append(doc.finding(rule_id, path, f"{_describe(error)} ({label})"))
    return sorted(set(findings))


def _unknown_fields(
    doc: YamlDocument, error: ValidationError, path: YamlPath, rule_id: str, label: str
) -> list[Finding]:
    known = list(error.schema.get("properties", {}))
    found = []
    for key in error.instance:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        found.append(doc.finding(rule_id, (*path, key), f"unknown field {key!r}{hint} ({label})"))
    return found


def _is_choice_of_fields(error: ValidationError) -> bool:
    """A ``oneOf`` whose branches only say which field must be present."""
    options = error.validator_value
    return error.validator == "oneOf" and all(
        isinstance(o, dict) and set(o) == {"required"} for o in options
    )


def _most_relevant(error: ValidationError) -> ValidationError:
    """For "not valid under any of the given schemas", the branch error closest to the cause.

    jsonschema's ``best_match`` picks it (the deepest, most specific one), so a workflow job
    with a misspelt key is reported at that key rather than as "not valid" at the job.
    """
    if error.validator in ("oneOf", "anyOf") and error.context and not _is_choice_of_fields(error):
        return _most_relevant(best_match(error.context))
    return error


def _describe(error: ValidationError) -> str:
    """jsonschema's message, reworded where the raw one hides what to fix."""
    options = error.validator_value
    if _is_choice_of_fields(error):
        names = ", ".join(name for o in options for name in o["required"])
        return f"needs exactly one of: {names}"
    if error.validator == "required":
        missing = [k for k in options if k not in error.instance]
        return f"missing required field {', '.join(map(repr, missing))}"
    if error.validator == "not" and isinstance(error.validator_value, dict):
        banned = error.validator_value.get("required", [])
        return f"must not have {', '.join(map(repr, banned)) or 'this shape'}"
    return error.message


def check_file(path: str | Path, schema: Mapping[str, Any], label: str) -> list[Finding]:
    """Load a YAML file line-aware and validate it (SCH003); YAML problems come back as is."""
    doc = load_yaml(path)
    return doc.findings or validate(doc, schema, "SCH003", label)
