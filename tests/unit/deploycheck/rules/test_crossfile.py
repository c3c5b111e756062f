"""The cross-file rules on fixture repositories: render.yaml against the Dockerfile, the app's
source (env reads, routes) and the requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.registry import REGISTRY
from deploycheck.rules.crossfile import RepoContext, predeploy_executable
from deploycheck.targets.blueprint import Blueprint
from deploycheck.targets.sourcefacts import env_reads, routes
from deploycheck.testing.assertions import assert_clean

ROOT = Path(__file__).parents[4]
REPO = ROOT / "tests" / "fixtures" / "repo"


def context_for(text: str, tmp_path: Path, root: Path = REPO) -> RepoContext:
    path = tmp_path / "render.yaml"
    path.write_text(text)
    return RepoContext(Blueprint.load(path), root)


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
    defaulted = {name for name, read in reads.items() if read.has_default}
    assert set(reads) - defaulted == {
        "FLASK_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "API_TOKEN_ENCRYPTION_KEY",
        "LOG_LEVEL", "RENDER_GIT_COMMIT",
    }  # fmt: skip
    # A second argument, default=, an ``or`` fallback; the name may be a module constant.
    assert defaulted == {
        "APP_ENV",
        "SESSION_COOKIE_SECURE",
        "CORS_ORIGINS",
        "GUNICORN_PRELOAD",
        "WORKER_TIMEOUT",
    }
    assert reads["DATABASE_URL"].line == 24, "os.environ[...] subscript read at its own line"


def test_a_read_without_default_outweighs_one_with(tmp_path: Path) -> None:
    source = tmp_path / "config.py"
    source.write_text('import os\nA = os.getenv("X", "1")\nB = os.environ["X"]\n')
    read = env_reads(source)["X"]
    assert (read.line, read.has_default) == (3, False)


def test_routes_follow_module_constants_and_the_blueprint_url_prefix() -> None:
    found = routes(REPO / "app")
    assert set(found) == {"/health", "/live", "/ops/ready"}
    assert found["/live"].path.name == "health.py", "imported from app/paths.py, used in health"


def test_routes_resolve_imported_modules_and_concatenation(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "api").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "settings.py").write_text('PREFIX = "/api"\nHEALTH = PREFIX + "/health"\n')
    (app / "api" / "__init__.py").write_text("")
    (app / "api" / "views.py").write_text(
        "from app import settings\nfrom ..settings import PREFIX as P\n"
        "@bp.get(settings.HEALTH)\ndef h(): ...\n"
        '@bp.get(f"{P}/ready")\ndef r(): ...\n'
        "@bp.get(UNKNOWN)\ndef u(): ...\n"
    )
    assert set(routes(app)) == {"/api/health", "/api/ready"}


def test_health_path_held_in_a_constant_is_served(tmp_path: Path) -> None:
    text = "services:\n  - type: web\n    name: g\n    runtime: docker\n"
    for path, served in (("/health", True), ("/live", True), ("/healthz", False)):
        blueprint = text + f"    healthCheckPath: {path}\n"
        findings = REGISTRY.rule("XF002")(context_for(blueprint, tmp_path))
        assert (not findings) is served, (path, [str(f) for f in findings])


def test_env_read_with_a_default_need_not_be_declared(tmp_path: Path) -> None:
    text = "services:\n  - type: web\n    name: g\n    runtime: docker\n    envVars: []\n"
    reported = {f.message.split()[1] for f in REGISTRY.rule("XF004")(context_for(text, tmp_path))}
    assert not {"GUNICORN_PRELOAD", "APP_ENV"} & reported, reported
    assert {"LOG_LEVEL", "FLASK_SECRET_KEY"} <= reported, reported


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


def test_every_docker_service_built_here_needs_its_dockerfile(tmp_path: Path) -> None:
    text = (
        "services:\n"
        "  - type: worker\n    name: jobs\n    runtime: docker\n"
        "    dockerfilePath: ./Dockerfile.jobs\n"
        "  - type: worker\n    name: other-repo\n    runtime: docker\n"
        "    repo: https://github.com/example/mailer\n"
        "  - type: pserv\n    name: linked\n    buildSource: shared\n"
        "  - type: web\n    name: monorepo\n    runtime: docker\n    rootDir: app\n"
        "    dockerfilePath: ./Dockerfile.render\n"
    )
    findings = REGISTRY.rule("XF001")(context_for(text, tmp_path))
    # Only the worker's missing file; rootDir falls back to the repo root, as Render's docs
    # say both; another repository's or a build source's Dockerfile is not here to check.
    assert [f.message for f in findings] == [
        "services[0].dockerfilePath: Dockerfile.jobs does not exist"
    ], [str(f) for f in findings]
