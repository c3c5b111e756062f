"""render.yaml agrees with Dockerfile.render, the app and requirements.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck import registry
from deploycheck.registry import REGISTRY
from deploycheck.rules.crossfile import RepoContext, predeploy_executable
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.sourcefacts import env_reads, routes
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[2]
REPO = ROOT / "tests" / "fixtures" / "repo"


def context_for(text: str, tmp_path: Path, root: Path = REPO) -> RepoContext:
    path = tmp_path / "render.yaml"
    path.write_text(text)
    return RepoContext(Blueprint.load(path), root)


def test_real_render_yaml_agrees_with_the_repository() -> None:
    findings = registry.run("repo", RepoContext(Blueprint.load(ROOT / "render.yaml"), ROOT))
    assert_clean(findings, "render.yaml against Dockerfile.render, app/ and requirements.txt")


def test_real_predeploy_command_runs_flask() -> None:
    web = Blueprint.load(ROOT / "render.yaml").web_service
    assert web is not None
    assert predeploy_executable(web.get("preDeployCommand")) == "flask"


@pytest.mark.parametrize(
    ("command", "program"),
    [
        ("flask db upgrade", "flask"),
        ("FLASK_APP=app flask db upgrade", "flask"),
        ("./scripts/migrate.sh", "./scripts/migrate.sh"),
        ("'unbalanced", None),
    ],
)
def test_predeploy_executable(command: str, program: str | None) -> None:
    assert predeploy_executable(command) == program


def test_env_reads_in_every_supported_form() -> None:
    reads = env_reads(REPO / "app" / "config.py")
    expected = {
        "APP_ENV", "FLASK_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "API_TOKEN_ENCRYPTION_KEY",
        "SESSION_COOKIE_SECURE", "CORS_ORIGINS", "LOG_LEVEL", "RENDER_GIT_COMMIT",
    }  # fmt: skip
    assert set(reads) == expected
    assert reads["DATABASE_URL"].line == 19, "os.environ[...] subscript read at its own line"


def test_routes_apply_the_blueprint_url_prefix() -> None:
    assert set(routes(REPO / "app")) == {"/health", "/ops/ready"}


def test_disk_on_a_prepared_directory_passes(tmp_path: Path) -> None:
    text = (
        "services:\n  - type: pserv\n    name: files\n    runtime: docker\n"
        "    dockerfilePath: ./Dockerfile.render\n"
        "    disk:\n      name: data\n      mountPath: /app/data\n"
    )
    assert_clean(REGISTRY.rule("XF006")(context_for(text, tmp_path)), "a disk at /app/data")


def test_predeploy_script_from_the_repo_passes(tmp_path: Path) -> None:
    text = (
        "services:\n  - type: web\n    name: g\n    runtime: docker\n"
        "    preDeployCommand: ./scripts/migrate.sh\n"
    )
    assert_clean(
        REGISTRY.rule("XF007")(context_for(text, tmp_path)),
        "a repo script as preDeployCommand",
    )


def test_missing_app_sources_are_findings_not_a_silent_pass(tmp_path: Path) -> None:
    text = "services:\n  - type: web\n    name: g\n    runtime: docker\n    envVars: []\n"
    findings = list(REGISTRY.rule("XF004")(context_for(text, tmp_path, root=tmp_path)))
    messages = [f.message for f in findings]
    assert messages == [
        "services[0].envVars: cannot check env vars: app/config.py not found",
        "services[0].envVars: cannot check env vars: gunicorn.conf.py not found",
    ], messages
