"""The rules on by default hold for any Blueprint: real-world-shaped ones get no error.

Each file in ``tests/fixtures/blueprints/defaults`` is a Blueprint Render accepts, in a shape
seen in public projects (workers only, a cron job, a static site, a prebuilt image, several
services, projects), with its verdict and source in its first comment lines. Checked with no
config at all (``--no-config``), as a new user would: no error, and only the advice the
verdict names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.blueprint_check import check_blueprint
from deploycheck.config import Config
from deploycheck.findings import Level

DEFAULTS = Path(__file__).parents[3] / "fixtures" / "blueprints" / "defaults"
# fixture stem -> the (rule id, level) findings its verdict names; anything else fails.
ADVICE: dict[str, set[tuple[str, Level]]] = {
    "multi-service": {("RB008", Level.INFO), ("RB016", Level.INFO)},
    "llm-agent": {("SCH001", Level.WARNING)},
}


def check(path: Path) -> list:
    """Schema and Blueprint rules under no config (the cross-file rules need a repository)."""
    return check_blueprint(path, config=Config(), environ={}, crossfile_rules=False).findings


@pytest.mark.parametrize("path", sorted(DEFAULTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_real_world_blueprint_gets_no_error_without_config(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Verdict: "), f"{path.name}: no verdict line"
    assert "\n# Source: " in text, f"{path.name}: no source line"
    found = {(f.rule_id, f.level) for f in check(path)}
    assert found == ADVICE.get(path.stem, set()), [str(f) for f in check(path)]


def test_undeclared_references_are_graded_by_what_render_allows(tmp_path: Path) -> None:
    path = tmp_path / "render.yaml"
    path.write_text(
        "services:\n  - type: worker\n    name: w\n    runtime: node\n    envVars:\n"
        "      - fromGroup: made-in-dashboard\n"
        "      - key: DATABASE_URL\n        fromDatabase: {name: main-bd, property: host}\n"
        "      - key: CACHE\n        fromService: {type: keyvalue, name: w, property: host}\n"
        "databases:\n  - name: main-db\n    ipAllowList: []\n"
    )
    levels = {f.line: (f.level, f.message) for f in check(path) if f.rule_id == "RB016"}
    assert levels[6][0] is Level.INFO, levels
    assert levels[8][0] is Level.WARNING, levels
    assert "did you mean 'main-db'" in levels[8][1], levels
    assert "exists in the Render workspace" in levels[8][1], levels
    assert levels[10][0] is Level.ERROR, levels
    assert "is type 'worker'" in levels[10][1], levels


@pytest.mark.parametrize(
    ("key", "value", "flagged"),
    [
        ("CORS_ORIGINS", "*", True),
        ("CORS_ALLOWED_ORIGINS", "https://a.example.com, *", True),
        ("ALLOWED_ORIGINS", '["https://*"]', True),
        ("ACCESS_CONTROL_ALLOW_ORIGIN", ".*", True),
        ("CORS_ORIGINS", "https://*.example.com", False),
        ("CORS_ORIGINS", "https://app.example.com", False),
        ("ORIGIN_STORY", "*", False),
    ],
)
def test_cors_wildcard_is_a_warning_on_any_service(
    tmp_path: Path, key: str, value: str, flagged: bool
) -> None:
    path = tmp_path / "render.yaml"
    path.write_text(
        "services:\n  - type: pserv\n    name: api\n    runtime: python\n    envVars:\n"
        f"      - key: {key}\n        value: '{value}'\n"
    )
    found = [f for f in check(path) if f.rule_id == "RB024"]
    assert bool(found) is flagged, [str(f) for f in found]
    assert all(f.level is Level.WARNING and f.line == 7 for f in found), found


@pytest.mark.parametrize(
    ("key", "flagged"),
    [("discovery.type", False), ("spring.datasource-url", False), ("LOG LEVEL", True)],
)
def test_dotted_env_keys_are_portable(tmp_path: Path, key: str, flagged: bool) -> None:
    path = tmp_path / "render.yaml"
    path.write_text(
        "services:\n  - type: pserv\n    name: search\n    runtime: image\n"
        "    image: {url: docker.io/library/elasticsearch:8.14.0}\n"
        f"    envVars:\n      - key: {key}\n        value: single-node\n"
    )
    assert bool([f for f in check(path) if f.rule_id == "RB023"]) is flagged
