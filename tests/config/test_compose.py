"""docker-compose.yml, GitHub workflows and Dependabot: schema-valid, and the local stack
mirrors production (same images, Redis flags, env vars) without a committed secret."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from deploycheck.config import load_config
from deploycheck.rules.blueprint_env import secret_reason
from deploycheck.rules.schema import check_file, vendored_schema
from deploycheck.secret_names import is_secret_name
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.targets.yamlfile import load_yaml
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "docker-compose.yml"
FIXTURES = ROOT / "tests" / "fixtures"
# ${VAR:-default} (or ${VAR-default}): what Compose uses when VAR is unset.
DEFAULTED = re.compile(r"^\$\{(\w+):?-([^}]*)\}$")
# ${VAR:?message}: Compose refuses to start while VAR is unset, so no value is committed.
REQUIRED = re.compile(r"^\$\{\w+:\?[^}]*\}$")
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
DEPENDABOT = sorted((ROOT / ".github").glob("dependabot.y*ml"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml as data (YAML 1.2 booleans, anchors resolved)."""
    doc = load_yaml(COMPOSE)
    assert_clean(doc.findings, "docker-compose.yml as YAML")
    return doc.data


def default_of(value: str) -> str:
    """The value Compose uses when the variable is unset: ``postgres:15-alpine`` for
    ``${POSTGRES_IMAGE:-postgres:15-alpine}``, or ``value`` itself when it is a literal."""
    match = DEFAULTED.match(value)
    return match.group(2) if match else value


def test_compose_file_matches_the_compose_spec() -> None:
    assert_clean(
        check_file(COMPOSE, vendored_schema("compose-spec"), "compose-spec"), "docker-compose.yml"
    )


@pytest.mark.parametrize(
    ("service", "image"), [("db", "postgres:15-alpine"), ("redis", "redis:7-alpine")]
)
def test_datastores_default_to_the_official_images(
    compose: dict[str, Any], service: str, image: str
) -> None:
    written = compose["services"][service]["image"]
    assert default_of(written) == image, f"{service} runs {written}, expected default {image}"


def test_redis_runs_with_the_seed_memory_flags(compose: dict[str, Any]) -> None:
    command = " ".join(compose["services"]["redis"]["command"])
    eviction = load_config(ROOT / ".deploycheck.yaml").options("RB017")["policy"]
    for flag in ("--maxmemory 512mb", f"--maxmemory-policy {eviction}", "--appendonly yes"):
        assert flag in command, f"redis command {command!r} lacks {flag!r}"


def test_app_is_built_from_the_production_dockerfile(compose: dict[str, Any]) -> None:
    build = compose["services"]["web"]["build"]
    assert build["dockerfile"] == "Dockerfile.render", f"web builds from {build['dockerfile']}"
    dockerfile_default = next(
        v.value
        for v in Dockerfile(ROOT / "Dockerfile.render").variables
        if v.name == "PYTHON_IMAGE"
    )
    written = build["args"]["PYTHON_IMAGE"]
    assert default_of(written) == dockerfile_default, (
        f"compose builds on {written}, Dockerfile.render defaults to {dockerfile_default}"
    )


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    missing = [
        name
        for name, service in compose["services"].items()
        if name != "migrate" and not service.get("healthcheck", {}).get("test")
    ]
    assert not missing, f"services without a healthcheck: {missing}"


@pytest.mark.checklist(1, 4)
def test_no_secret_is_committed_in_compose(compose: dict[str, Any]) -> None:
    literal = []
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            text = str(value)
            named_secret = is_secret_name(key) and not REQUIRED.match(text)
            url_password = secret_reason(text) and "${" not in text
            if named_secret or url_password:
                literal.append(f"{name}.environment.{key}")
    assert not literal, f"literal secrets in docker-compose.yml (use ${{VAR:?}}): {literal}"


def test_app_gets_the_env_vars_production_declares(compose: dict[str, Any]) -> None:
    blueprint = Blueprint.load(ROOT / "render.yaml")
    web = blueprint.web_service
    assert web is not None, "render.yaml has no web service"
    expected = set(load_config(ROOT / ".deploycheck.yaml").options("RB012")["env"]) | {
        v.key for v in blueprint.env_vars(web) if v.is_literal and v.key
    }
    local = set(compose["services"]["web"]["environment"])
    assert expected <= local, f"compose web service lacks {sorted(expected - local)}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(path: Path) -> None:
    findings = check_file(path, vendored_schema("github-workflows"), "github-workflows")
    assert_clean(findings, str(path.relative_to(ROOT)))


@pytest.mark.parametrize("path", DEPENDABOT, ids=lambda p: p.name)
def test_dependabot_config_matches_its_schema(path: Path) -> None:
    findings = check_file(path, vendored_schema("dependabot"), "dependabot")
    assert_clean(findings, str(path.relative_to(ROOT)))


def test_the_workflow_and_dependabot_files_exist() -> None:
    """The schema tests above are parametrized over these globs: none found would run none."""
    assert WORKFLOWS, "no workflow under .github/workflows/"
    assert DEPENDABOT, "no .github/dependabot.yml"


@pytest.mark.parametrize(
    ("name", "schema", "expected"),
    [
        ("broken-workflow", "github-workflows", "6: jobs.test: missing required field 'runs-on'"),
        ("broken-dependabot", "dependabot", "7: updates[0].schedule.interval: 'monthly-ish'"),
        ("broken-compose", "compose-spec", "5: services.web.ports: 10000 is not of type 'array'"),
    ],
)
def test_broken_file_is_reported_with_its_line(name: str, schema: str, expected: str) -> None:
    findings = check_file(FIXTURES / "workflows" / f"{name}.yml", vendored_schema(schema), schema)
    shown = [str(f) for f in findings]
    assert any(f"{name}.yml:{expected}" in text for text in shown), (
        f"expected {name}.yml:{expected!r}, found {shown}"
    )
