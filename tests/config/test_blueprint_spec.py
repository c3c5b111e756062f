"""Our Blueprint schema agrees with Render's spec, one fixture per fact.

Each file in ``tests/fixtures/blueprints/spec`` states its fact and the source it was checked
against in its first two comment lines. ``accept-*`` files are Blueprints Render accepts: our
schema must report nothing. ``reject-*`` files are ones it refuses: each line Render objects to
ends with ``# <- SCH001: text`` and our schema must report exactly those lines, each message
containing its text (the field and the fix, not just "invalid"), each an error. ``warn-*`` files
are marked the same way, where Render's docs leave it open whether Render accepts the line: each
is reported as a warning naming what Render's spec spells instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deploycheck.findings import Level
from deploycheck.rules.schema import BLUEPRINT_SCHEMA, load_schema, validate
from deploycheck.targets.yamlfile import load_yaml
from deploycheck.testing.assertions import assert_clean

SPEC = Path(__file__).parents[1] / "fixtures" / "blueprints" / "spec"
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


def schema_findings(path: Path) -> list:
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
    assert_clean(schema_findings(path), f"spec/{path.name}")


def assert_marked(path: Path, level: Level) -> None:
    expected = expected_places(path)
    assert expected, f"{path.name} marks no line with '# <- SCH001: ...'"
    findings = schema_findings(path)
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
