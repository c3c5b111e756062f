"""Checklist items 2, 3, 4 and 6 in render.yaml: each item's own policy rules, run alone on
the real Blueprint and on the fixture that breaks exactly that rule, so the evidence row names
the rule that proves the item and the same rule is seen to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck import registry
from deploycheck.config import load_config
from deploycheck.findings import Finding
from deploycheck.targets.blueprint import Blueprint
from deploycheck.testing.assertions import assert_clean, assert_has
from tests.app_helpers import PRODUCTION_ORIGIN

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "blueprints"


def run_rules(path: Path, rule_ids: set[str]) -> list[Finding]:
    """The findings of ``rule_ids`` only, on the Blueprint at ``path``, with the project config."""
    project = load_config(ROOT / ".deploycheck.yaml")
    return [
        f for f in registry.run("blueprint", Blueprint.load(path), project) if f.rule_id in rule_ids
    ]


@pytest.fixture(scope="module")
def web_env() -> dict[str, object]:
    """render.yaml's web service env vars: the literal value or the source of each."""
    blueprint = Blueprint.load(ROOT / "render.yaml")
    web = blueprint.web_service
    assert web is not None, "render.yaml declares no web service"
    return {var.key: var.value if var.is_literal else var.source for var in blueprint.env_vars(web)}


@pytest.mark.checklist(2)
def test_flask_secret_key_is_generated_by_render(web_env: dict[str, object]) -> None:
    """render.yaml has Render generate FLASK_SECRET_KEY (RB010 and RB013 clean)."""
    assert web_env.get("FLASK_SECRET_KEY") == "generateValue", (
        f"expected FLASK_SECRET_KEY from generateValue, found {web_env.get('FLASK_SECRET_KEY')!r}"
    )
    assert_clean(run_rules(ROOT / "render.yaml", {"RB010", "RB013"}), "render.yaml")


@pytest.mark.checklist(3)
def test_session_cookie_secure_is_true_in_render_yaml() -> None:
    """render.yaml sets SESSION_COOKIE_SECURE to "true" (RB014 clean)."""
    assert_clean(run_rules(ROOT / "render.yaml", {"RB014"}), "render.yaml")


@pytest.mark.checklist(4)
def test_database_credentials_come_from_the_render_database(web_env: dict[str, object]) -> None:
    """DATABASE_URL comes fromDatabase and no literal looks like a credential (RB010/RB011)."""
    assert web_env.get("DATABASE_URL") == "fromDatabase", (
        f"expected DATABASE_URL fromDatabase, found {web_env.get('DATABASE_URL')!r}"
    )
    assert_clean(run_rules(ROOT / "render.yaml", {"RB010", "RB011", "RB013"}), "render.yaml")


@pytest.mark.checklist(6)
def test_cors_origins_is_the_production_domain_only(web_env: dict[str, object]) -> None:
    """CORS_ORIGINS lists only the production https origin, never * (RB015 clean)."""
    assert web_env.get("CORS_ORIGINS") == PRODUCTION_ORIGIN, (
        f"expected CORS_ORIGINS {PRODUCTION_ORIGIN}, found {web_env.get('CORS_ORIGINS')!r}"
    )
    assert_clean(run_rules(ROOT / "render.yaml", {"RB015"}), "render.yaml")


@pytest.mark.parametrize(
    ("fixture", "rule_id", "line"),
    [
        ("RB010-literal-flask-secret-key", "RB010", 20),
        ("RB011-literal-database-url-password", "RB011", 22),
        ("RB014-session-cookie-insecure", "RB014", 32),
        ("RB015-cors-wildcard", "RB015", 34),
    ],
)
def test_item_rules_reject_their_broken_blueprint(fixture: str, rule_id: str, line: int) -> None:
    findings = run_rules(FIXTURES / f"{fixture}.yaml", {rule_id})
    assert_has(findings, rule_id, line, f"{fixture}.yaml")
