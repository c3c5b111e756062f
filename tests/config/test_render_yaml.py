"""This repository's render.yaml against the project's config, and the config's overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.blueprint_check import check_blueprint
from deploycheck.config import load_config
from deploycheck.errors import ConfigError
from deploycheck.targets.blueprint import Blueprint
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[2]
RENDER_YAML = ROOT / "render.yaml"
SEED_REQUIRED_ENV = {
    "FLASK_SECRET_KEY": "generateValue",  # pragma: allowlist secret
    "DATABASE_URL": "fromDatabase",
    "REDIS_URL": "fromService",
    "API_TOKEN_ENCRYPTION_KEY": "sync",
}


@pytest.fixture(scope="module")
def blueprint() -> Blueprint:
    """The real render.yaml."""
    return Blueprint.load(RENDER_YAML)


@pytest.mark.checklist(1)
def test_render_yaml_passes_yaml_schema_and_policy_rules() -> None:
    result = check_blueprint(RENDER_YAML, crossfile_rules=False, environ={})
    assert_clean(result.findings, "render.yaml")


def test_web_service_builds_the_production_dockerfile(blueprint: Blueprint) -> None:
    web = blueprint.web_service
    assert web is not None, "render.yaml declares no web service"
    facts = {k: web.get(k) for k in ("name", "runtime", "dockerfilePath", "dockerContext")}
    assert facts == {
        "name": "gradetracker",
        "runtime": "docker",
        "dockerfilePath": "./Dockerfile.render",
        "dockerContext": ".",
    }, f"web service build settings are {facts}"


def test_web_service_scales_one_to_three_with_the_seed_targets(blueprint: Blueprint) -> None:
    web = blueprint.web_service
    assert web is not None
    assert blueprint.scaling(web) == {
        "minInstances": 1,
        "maxInstances": 3,
        "targetMemoryPercent": 70,
        "targetCPUPercent": 80,
    }, f"scaling at render.yaml:{blueprint.line((*web.path, 'scaling'))} differs from the seed"


def test_web_service_has_no_disk_because_it_scales(blueprint: Blueprint) -> None:
    web = blueprint.web_service
    assert web is not None
    assert not blueprint.disk(web), "a disk would stop Render from scaling the web service"


@pytest.mark.checklist(2)
def test_secrets_come_from_render_not_from_git(blueprint: Blueprint) -> None:
    web = blueprint.web_service
    assert web is not None
    sources = blueprint.env_sources(web)
    wanted = {key: sources.get(key) for key in SEED_REQUIRED_ENV}
    assert wanted == SEED_REQUIRED_ENV, f"secret sources are {wanted}"


def test_migrations_run_before_each_deploy(blueprint: Blueprint) -> None:
    web = blueprint.web_service
    assert web is not None
    assert web.get("preDeployCommand") == "flask db upgrade"


def test_datastores_are_postgres_15_and_key_value(blueprint: Blueprint) -> None:
    assert [d.get("postgresMajorVersion") for d in blueprint.databases] == ["15"]
    assert [s.get("maxmemoryPolicy") for s in blueprint.key_value_services] == ["allkeys-lru"]


def test_project_config_holds_the_seed_numbers() -> None:
    config = load_config(ROOT / ".deploycheck.yaml").with_overrides(environ={})
    assert (config.options("RB002"), config.options("RB003")) == (
        {"min_instances": 1},
        {"max_instances": 3},
    )
    assert (config.options("RB005"), config.options("RB006")) == ({"percent": 70}, {"percent": 80})
    assert config.options("RB007") == {"plan": "standard"}
    assert config.options("RB012") == config.options("RB013") == {"env": SEED_REQUIRED_ENV}


def test_project_config_is_overridden_from_env_vars() -> None:
    config = load_config(ROOT / ".deploycheck.yaml").with_overrides(
        environ={
            "DEPLOYCHECK_RB003_MAX_INSTANCES": "5",
            "DEPLOYCHECK_RB007_PLAN": "pro",
            "DEPLOYCHECK_RB012_ENV": "{DATABASE_URL: fromDatabase, SENTRY_DSN: sync}",
        }
    )
    assert (config.options("RB003"), config.options("RB007")) == (
        {"max_instances": 5},
        {"plan": "pro"},
    )
    assert config.options("RB012") == {
        "env": {"DATABASE_URL": "fromDatabase", "SENTRY_DSN": "sync"}
    }


def test_an_override_changes_the_verdict_without_editing_render_yaml() -> None:
    result = check_blueprint(
        RENDER_YAML, crossfile_rules=False, environ={"DEPLOYCHECK_RB003_MAX_INSTANCES": "2"}
    )
    assert result.rule_ids() == {"RB003"}, f"found {[str(f) for f in result.findings]}"


@pytest.mark.parametrize(
    "environ",
    [{"DEPLOYCHECK_RB002_MIN_INSTANCES": "one"}, {"DEPLOYCHECK_RB012_ENV": "DATABASE_URL"}],
)
def test_a_malformed_override_is_a_config_error(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="DEPLOYCHECK_RB0"):
        load_config(ROOT / ".deploycheck.yaml").with_overrides(environ=environ)
