"""The line-aware YAML loader and the JSON Schema layer: errors carry a YAML path and a line;
and our Blueprint schema agrees with Render's spec, one fixture per fact.

Each file in ``tests/fixtures/blueprints/spec`` states its fact and the source it was checked
against in its first two comment lines. ``accept-*`` files are Blueprints Render accepts: our
schema must report nothing. ``reject-*`` files are ones it refuses: each line Render objects to
ends with ``# <- SCH001: text`` and our schema must report exactly those lines, each message
containing its text (the field and the fix, not just "invalid"), each an error. ``warn-*`` files
are marked the same way, where Render's docs leave it open whether Render accepts the line: each
is reported as a warning naming what Render's spec spells instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deploycheck.blueprint_check import check_blueprint
from deploycheck.errors import ConfigFileError
from deploycheck.findings import Level
from deploycheck.rules.schema import BLUEPRINT_SCHEMA, compare, load_schema, schema_errors, validate
from deploycheck.targets.yamlfile import format_path, load_yaml, parse_yaml
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[4]
VALID = ROOT / "tests" / "fixtures" / "blueprints" / "valid.yaml"


def schema_findings(text: str) -> list[str]:
    doc = parse_yaml(text, "render.yaml")
    return [str(f) for f in validate(doc, load_schema(BLUEPRINT_SCHEMA), "SCH001", "schema")]


def test_loader_records_the_line_of_every_key_and_item() -> None:
    doc = parse_yaml("services:\n  - type: web\n    scaling:\n      maxInstances: 3\n", "x")
    assert doc.lines[("services", 0)] == 2
    assert doc.lines[("services", 0, "scaling", "maxInstances")] == 4
    assert doc.line_of(("services", 0, "scaling", "absent")) == 3


def test_loader_reads_booleans_as_yaml_1_2_like_render_and_github() -> None:
    doc = parse_yaml("on:\n  push: {}\nautoDeploy: yes\nok: true\n", "x")
    assert doc.data == {"on": {"push": {}}, "autoDeploy": "yes", "ok": True}


def test_missing_file_is_a_config_file_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="absent.yaml: no such file"):
        load_yaml(tmp_path / "absent.yaml")


def test_path_formatting() -> None:
    assert format_path(("services", 0, "scaling", "maxInstances")) == (
        "services[0].scaling.maxInstances"
    )
    assert format_path(()) == "<root>"


def test_wrong_type_is_reported_at_its_key() -> None:
    text = "services:\n  - type: web\n    name: g\n    runtime: docker\n    scaling:\n"
    [finding] = schema_findings(text + "      minInstances: one\n      maxInstances: 3\n")
    assert finding.startswith("render.yaml:6: services[0].scaling.minInstances: 'one' is not")


def test_env_var_from_a_database_takes_no_literal_value() -> None:
    text = (
        "services:\n  - type: web\n    name: g\n    runtime: docker\n    envVars:\n"
        "      - key: A\n        value: x\n        fromDatabase: {name: db, property: host}\n"
    )
    [finding] = schema_findings(text)
    assert finding.startswith("render.yaml:7: services[0].envVars[0].value: unknown field 'value'")


def test_unknown_database_field_suggests_the_spelling() -> None:
    [finding] = schema_findings("databases:\n  - name: db\n    postgresMajorVerison: '15'\n")
    assert finding.startswith("render.yaml:3: databases[0].postgresMajorVerison: unknown field")
    assert "did you mean 'postgresMajorVersion'?" in finding


def test_key_value_without_ip_allow_list_fails_the_schema() -> None:
    [finding] = schema_findings("services:\n  - type: keyvalue\n    name: cache\n")
    assert "render.yaml:2: services[0]: missing required field 'ipAllowList'" in finding


def test_official_schema_errors_are_reported(tmp_path: Path) -> None:
    official = tmp_path / "render.schema.json"
    official.write_text(json.dumps({"type": "object", "required": ["projects"]}))
    result = check_blueprint(
        VALID, crossfile_rules=False, environ={"RENDER_BLUEPRINT_SCHEMA": str(official)}
    )
    shown = [str(f) for f in result.findings]
    assert any("valid.yaml:3: <root>: missing required field 'projects'" in s for s in shown), (
        f"expected an SCH002 finding for the official schema, found {shown}"
    )
    assert result.rule_ids() == {"SCH002"}


def test_missing_official_schema_file_is_a_config_file_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="cannot load JSON schema"):
        check_blueprint(VALID, environ={"RENDER_BLUEPRINT_SCHEMA": str(tmp_path / "none.json")})


def test_plan_spelling_is_a_warning_from_both_schemas_and_neither_claims_the_other_accepts() -> (
    None
):
    doc = parse_yaml("databases:\n  - name: db\n    plan: basic_256mb\n", "render.yaml")
    ours = load_schema(BLUEPRINT_SCHEMA)
    # Render's published schema lists plans the same way: an enum under a titled definition.
    theirs = {
        "type": "object",
        "properties": {
            "databases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {}, "plan": {"enum": ["basic-256mb", "pro-4gb"]}},
                },
            }
        },
    }
    found = compare(doc, schema_errors(doc, ours), schema_errors(doc, theirs))
    assert {(f.rule_id, f.level) for f in found} == {
        ("SCH001", Level.WARNING),
        ("SCH002", Level.WARNING),
    }, [str(f) for f in found]
    assert all("'basic_256mb' is spelt 'basic-256mb'" in f.message for f in found)
    assert not any("accepts it" in f.message for f in found), [str(f) for f in found]


SPEC = Path(__file__).parents[3] / "fixtures" / "blueprints" / "spec"
MARKER = re.compile(r"#\s*<-\s*(?P<rule>[A-Z]{3}\d{3}):\s*(?P<text>.+?)\s*$")
ACCEPT = sorted(SPEC.glob("accept-*.yaml"))
REJECT = sorted(SPEC.glob("reject-*.yaml"))
WARN = sorted(SPEC.glob("warn-*.yaml"))


def expected_places(path: Path) -> dict[int, tuple[str, str]]:
    """``{line: (rule id, text)}`` from the fixture's ``# <- RULE: text`` markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        n: (m["rule"], m["text"]) for n, line in enumerate(lines, 1) if (m := MARKER.search(line))
    }


def spec_findings(path: Path) -> list:
    doc = load_yaml(path, path.name)
    assert doc.usable, f"{path.name} does not even load: {[str(f) for f in doc.findings]}"
    return validate(doc, load_schema(BLUEPRINT_SCHEMA), "SCH001", "Blueprint schema")


def test_every_fixture_states_its_fact_and_source() -> None:
    bare = [
        p.name
        for p in SPEC.glob("*.yaml")
        if not p.read_text(encoding="utf-8").startswith("# Fact: ")
        or "\n# Source: " not in p.read_text(encoding="utf-8")
    ]
    assert not bare, f"spec fixtures without '# Fact:' and '# Source:' lines: {bare}"
    assert {p.name.split("-")[0] for p in SPEC.glob("*.yaml")} == {"accept", "reject", "warn"}


@pytest.mark.parametrize("path", ACCEPT, ids=lambda p: p.stem)
def test_blueprint_render_accepts_passes_our_schema(path: Path) -> None:
    assert_clean(spec_findings(path), f"spec/{path.name}")


def assert_marked(path: Path, level: Level) -> None:
    expected = expected_places(path)
    assert expected, f"{path.name} marks no line with '# <- SCH001: ...'"
    findings = spec_findings(path)
    found = {f.line for f in findings}
    assert found == set(expected), (
        f"expected {path.name} reported at lines {sorted(expected)}, found "
        f"{[str(f) for f in findings]}"
    )
    for finding in findings:
        rule_id, text = expected[finding.line]
        assert finding.rule_id == rule_id
        assert finding.level is level, f"expected a {level}: {finding}"
        assert text in finding.message, f"expected {text!r} in: {finding}"


@pytest.mark.parametrize("path", REJECT, ids=lambda p: p.stem)
def test_blueprint_render_rejects_fails_our_schema_at_the_field(path: Path) -> None:
    assert_marked(path, Level.ERROR)


@pytest.mark.parametrize("path", WARN, ids=lambda p: p.stem)
def test_blueprint_render_may_accept_is_a_warning_at_the_field(path: Path) -> None:
    assert_marked(path, Level.WARNING)
