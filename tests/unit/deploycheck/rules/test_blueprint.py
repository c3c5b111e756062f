"""The Blueprint rules on fixtures: real-world-shaped Blueprints get no error, and every broken
one is caught at the right line.

The rules on by default hold for any Blueprint. Each file in
``tests/fixtures/blueprints/defaults`` is a Blueprint Render accepts, in a shape seen in public
projects (workers only, a cron job, a static site, a prebuilt image, several
services, projects), with its verdict and source in its first comment lines. Checked with no
config at all (``--no-config``), as a new user would: no error, and only the advice the
verdict names.

Each broken fixture in tests/fixtures/blueprints is a one-change copy of ``valid.yaml`` named
after the rule it breaks. Where a change necessarily breaks a second rule too (a literal secret
also has the wrong source), the table lists that rule under ``also``; anything else found is a
false positive and fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.blueprint_check import check_blueprint, rule_catalogue
from deploycheck.config import Config
from deploycheck.findings import Finding, Level
from deploycheck.testing.assertions import assert_clean, assert_places

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


FIXTURES = Path(__file__).parents[3] / "fixtures" / "blueprints"
REPO = Path(__file__).parents[3] / "fixtures" / "repo"

# fixture stem -> (rule id, line, other (rule id, line) pairs the same change must trip)
EXPECTED: dict[str, tuple[str, int, set[tuple[str, int]]]] = {
    "YML001-syntax-error": ("YML001", 11, set()),
    "YML002-duplicate-key": ("YML002", 10, set()),
    "YML003-tab-indentation": ("YML003", 11, set()),
    "YML004-top-level-list": ("YML004", 1, set()),
    "YML005-not-utf8": ("YML005", 1, set()),
    "YML006-escaped-nul": ("YML006", 12, set()),
    "YML007-list-as-key": ("YML007", 11, set()),
    # The tenth anchor is where the expansion passes the bound; nothing is expanded.
    "YML008-billion-laughs": ("YML008", 60, set()),
    "SCH001-unknown-field-healthcheckPath": ("SCH001", 11, {("RB008", 3)}),
    "RB001-no-web-service": ("RB001", 2, set()),
    # Render's schema also rejects minInstances below 1.
    "RB002-min-instances-0": ("RB002", 14, {("SCH001", 14)}),
    "RB003-max-instances-10": ("RB003", 15, set()),
    "RB004-min-above-max": ("RB004", 14, set()),
    # 95 is also above the schema's 1-90 range for autoscaling targets.
    "RB005-memory-target-95": ("RB005", 16, {("SCH001", 16)}),
    "RB006-cpu-target-50": ("RB006", 17, set()),
    "RB007-plan-starter": ("RB007", 8, set()),
    "RB008-no-health-check-path": ("RB008", 3, set()),
    "RB009-auto-deploy-on-commit": ("RB009", 10, set()),
    "RB010-literal-flask-secret-key": ("RB010", 20, {("RB013", 19)}),
    "RB011-literal-database-url-password": ("RB011", 22, {("RB013", 21)}),
    "RB011-high-entropy-value": ("RB011", 39, set()),
    # The app reads the key too, so the cross-file rule sees the same gap.
    "RB012-missing-api-token-encryption-key": ("RB012", 18, {("XF004", 18)}),
    "RB013-redis-url-literal": ("RB013", 25, set()),
    "RB014-session-cookie-insecure": ("RB014", 32, set()),
    # The default CORS rule sees the same wildcard; RB015 is the project's stricter form.
    "RB015-cors-wildcard": ("RB015", 34, {("RB024", 35)}),
    "RB016-unknown-database-reference": ("RB016", 22, set()),
    "RB016-from-service-wrong-type": ("RB016", 27, set()),
    "RB017-redis-noeviction": ("RB017", 44, set()),
    "RB018-public-database": ("RB018", 54, set()),
    "RB019-postgres-14": ("RB019", 52, set()),
    "RB020-disk-with-scaling": ("RB020", 18, set()),
    "RB021-deprecated-env": ("RB021", 6, set()),
    "RB022-group-sync-false": ("RB022", 59, set()),
    # The app reads LOG_LEVEL, which is now spelt otherwise: the cross-file rules see both ends.
    "RB023-env-key-with-space": ("RB023", 39, {("XF004", 19), ("XF005", 39)}),
    "RB024-allowed-origins-wildcard": ("RB024", 59, set()),
    # The app reads APP_ENV with a default, so a missing Dockerfile (and its ENV) is no gap.
    "XF001-wrong-dockerfile-path": ("XF001", 6, set()),
    "XF002-health-path-not-served": ("XF002", 11, {("XF003", 11)}),
    "XF003-health-path-not-probed": ("XF003", 11, set()),
    "XF004-undeclared-log-level": ("XF004", 18, set()),
    "XF005-unused-env-var": ("XF005", 38, set()),
    "XF006-disk-not-prepared": ("XF006", 48, set()),
    "XF007-predeploy-missing-executable": ("XF007", 12, set()),
}
# Rules no Blueprint fixture can trip, and the test that trips them instead.
COVERED_ELSEWHERE = {
    "SCH002": "test_blueprint_schema.py::test_official_schema_errors_are_reported",
    "SCH003": "test_compose.py::test_broken_file_is_reported_with_its_line",
}


def check_fixture(stem: str) -> list[Finding]:
    return check_blueprint(FIXTURES / f"{stem}.yaml", root=REPO, environ={}).findings


def test_the_baseline_fixture_passes_every_rule() -> None:
    assert_clean(check_fixture("valid"), "tests/fixtures/blueprints/valid.yaml")


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_broken_blueprint_is_caught_at_its_line(stem: str) -> None:
    rule_id, line, also = EXPECTED[stem]
    findings = check_fixture(stem)
    assert_places(findings, {(rule_id, line), *also}, f"{stem}.yaml")
    shown = [str(f) for f in findings if f.rule_id == rule_id]
    if not any(f"{stem}.yaml:{line}: " in text for text in shown):
        pytest.fail(
            f"expected the {rule_id} finding to print as '{stem}.yaml:{line}: ...', found {shown}"
        )


def test_every_fixture_file_is_in_the_table() -> None:
    on_disk = {p.stem for p in FIXTURES.glob("*.yaml")} - {"valid"}
    assert on_disk == set(EXPECTED), (
        f"fixtures and table differ: only on disk {sorted(on_disk - set(EXPECTED))}, "
        f"only in the table {sorted(set(EXPECTED) - on_disk)}"
    )


def test_fixture_names_start_with_the_rule_they_break() -> None:
    misnamed = [stem for stem, (rule_id, _, _) in EXPECTED.items() if not stem.startswith(rule_id)]
    assert not misnamed, f"fixtures named after another rule than they test: {misnamed}"


def test_every_rule_is_tripped_by_some_fixture() -> None:
    tripped = {rule_id for rule_id, _, _ in EXPECTED.values()}
    untested = set(rule_catalogue()) - tripped - set(COVERED_ELSEWHERE)
    assert not untested, f"rules with no fixture that trips them: {sorted(untested)}"
