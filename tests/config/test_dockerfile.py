"""Dockerfile.render: the facts it states, the rules it passes, the fixtures each rule rejects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from deploycheck.config import load_config
from deploycheck.findings import Finding, Level
from deploycheck.registry import REGISTRY, Settings, StaticSettings
from deploycheck.rules import dockerfile as dockerfile_rules
from deploycheck.targets.dockerfile import Dockerfile
from deploycheck.testing.assertions import assert_clean, assert_has, assert_places

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "dockerfiles"
PROJECT = load_config(REPO / ".deploycheck.yaml")


def check(df: Dockerfile, settings: Settings = PROJECT) -> list[Finding]:
    """The DF rules as this repository runs them (with its .deploycheck.yaml)."""
    return dockerfile_rules.check(df, settings)


# Each broken fixture and exactly the (rule id, line) places the DF rules must report for it.
EXPECTED: dict[str, set[tuple[str, int | None]]] = {
    "root-no-user": {("DF004", 51)},
    "root-user": {("DF004", 40)},
    "no-healthcheck": {("DF005", 5)},
    "healthcheck-wrong-path": {("DF005", 44)},
    "healthcheck-no-start-period": {("DF006", 44)},
    "code-before-requirements": {("DF003", 24)},
    "secret-in-env": {("DF010", 17), ("DF010", 18)},
    "base-python-full": {("DF002", 5)},
    "base-python-latest": {("DF001", 5), ("DF002", 5), ("DF013", 3)},
    "base-untagged": {("DF001", 5), ("DF002", 5)},
    "add-url": {("DF011", 24)},
    "add-local": {("DF012", 29)},
    "cmd-shell-form": {("DF007", 48)},
    "no-expose": {("DF008", 5)},
    "syntax-directive": {("DF009", 1)},
    "pip-cache": {("DF014", 24)},
}


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    """The production Dockerfile, parsed once for the module."""
    return Dockerfile(REPO / "Dockerfile.render")


def fixture(name: str) -> Dockerfile:
    return Dockerfile(FIXTURES / f"{name}.Dockerfile")


def test_passes_every_rule(dockerfile: Dockerfile) -> None:
    assert_clean(check(dockerfile), "Dockerfile.render")


def test_base_defaults_to_python_slim_bookworm_through_a_build_arg(dockerfile: Dockerfile) -> None:
    (stage,) = dockerfile.stages
    assert stage.base_as_written == "${PYTHON_IMAGE}"
    assert stage.base == "python:3.11-slim-bookworm"
    assert "syntax" not in dockerfile.directives


def test_sets_production_environment(dockerfile: Dockerfile) -> None:
    expected = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "APP_ENV": "production",
        "FLASK_APP": "app",
        "PORT": "10000",
    }
    assert expected.items() <= dockerfile.env.items()


def test_installs_requirements_before_copying_code_it_never_chowns(
    dockerfile: Dockerfile,
) -> None:
    copies = [(c.sources, c.dest, c.flags) for c in dockerfile.copies]
    assert copies == [
        (("requirements.txt",), ".", {}),
        (("app/",), "app/", {}),
        (("migrations/",), "migrations/", {}),
        (("gunicorn.conf.py",), ".", {}),
    ]
    (install,) = dockerfile.pip_installs
    assert dockerfile.copies[0].line < install.line < dockerfile.copies[1].line


def test_installs_no_system_packages(dockerfile: Dockerfile) -> None:
    runs = " ".join(i.value for i in dockerfile.instructions_named("RUN"))
    assert "apt-get" not in runs, "wheels only: no compiler or apt package belongs in the image"


def test_only_the_logs_dir_is_handed_to_appuser(dockerfile: Dockerfile) -> None:
    chowns = [i.value for i in dockerfile.instructions_named("RUN") if "chown" in i.value]
    assert chowns == ["mkdir -p /app/logs && chown appuser:appuser /app/logs"]


def test_app_is_byte_compiled_at_build(dockerfile: Dockerfile) -> None:
    """The runtime cannot write .pyc files (read-only code, PYTHONDONTWRITEBYTECODE): without
    a build-time compile every worker recompiles the app on every start."""
    runs = [i.value for i in dockerfile.instructions_named("RUN")]
    assert any("compileall" in run and " app" in run for run in runs), runs


def test_runs_as_numeric_appuser(dockerfile: Dockerfile) -> None:
    (create_user,) = [i for i in dockerfile.instructions_named("RUN") if "useradd" in i.value]
    assert "--uid 10001" in create_user.value
    assert "--shell /usr/sbin/nologin" in create_user.value
    assert dockerfile.user == "10001:10001"


def test_healthcheck_matches_the_seed(dockerfile: Dockerfile) -> None:
    hc = dockerfile.healthcheck
    assert hc is not None
    assert hc.command is not None
    assert hc.options == {
        "interval": "30s",
        "timeout": "5s",
        "start-period": "40s",
        "retries": "3",
    }
    assert hc.command.argv == ("python", "-m", "app.healthcheck", "/health")


def test_healthcheck_probed_path_from_exec_and_shell_forms(
    dockerfile: Dockerfile, tmp_path: Path
) -> None:
    assert dockerfile.healthcheck is not None
    assert dockerfile.healthcheck.probed_paths == {"/health"}
    shell = tmp_path / "Dockerfile"
    shell.write_text("FROM x\nHEALTHCHECK CMD curl -fsS http://localhost:10000/health || exit 1\n")
    probe = Dockerfile(shell).healthcheck
    assert probe is not None
    assert probe.probed_paths == {"/health"}


def test_gunicorn_is_pid_1_and_stops_on_sigterm(dockerfile: Dockerfile) -> None:
    assert dockerfile.cmd is not None
    assert dockerfile.cmd.exec_form
    assert dockerfile.cmd.argv == ("gunicorn", "--config", "gunicorn.conf.py")
    # The settings check execs the CMD (tests/unit/test_preflight.py), so gunicorn is PID 1.
    assert dockerfile.entrypoint is not None
    assert dockerfile.entrypoint.argv == ("python", "-m", "app.preflight")
    assert [i.value for i in dockerfile.instructions_named("STOPSIGNAL")] == ["SIGTERM"]
    assert [port for port, _ in dockerfile.exposes] == ["10000"]


def test_health_path_comes_from_the_caller(dockerfile: Dockerfile) -> None:
    hc = dockerfile.healthcheck
    assert hc is not None
    found = check(
        dockerfile, StaticSettings({"DF005": {"path": "/healthz"}}, on=frozenset({"DF005"}))
    )
    assert_places(found, {("DF005", hc.line)}, "Dockerfile.render checked against /healthz")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture_is_rejected_where_it_breaks(name: str) -> None:
    found = check(fixture(name))
    assert_places(found, EXPECTED[name], f"{name}.Dockerfile")
    for finding in found:
        assert f"{name}.Dockerfile:{finding.line}:" in str(finding)


def test_every_rule_is_tripped_by_some_fixture() -> None:
    # The construct corpus counts too, but for the files the checker must refuse (exit 2).
    paths = [*FIXTURES.glob("*.Dockerfile"), *(FIXTURES / "constructs").glob("*.Dockerfile")]
    usable = [p for p in paths if b"# expect: exit2" not in p.read_bytes()]
    tripped = {f.rule_id for path in usable for f in check(Dockerfile(path))}
    registered = set(REGISTRY.ids_for("dockerfile"))
    assert registered - tripped == set(), "rules no fixture proves can fail"


def test_every_fixture_is_in_the_table() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.Dockerfile")) == sorted(EXPECTED)


def test_copy_not_add_is_only_a_warning() -> None:
    (finding,) = check(fixture("add-local"))
    assert finding.level is Level.WARNING


def _shape(df: Dockerfile) -> list[tuple[str, str]]:
    return [(i.name, i.value) for i in df.instructions]


def test_buildable_fixtures_differ_from_the_real_one_in_one_respect(
    dockerfile: Dockerfile,
) -> None:
    """The container suite builds these two; they must stay the real image but for one thing."""
    real = _shape(dockerfile)
    assert _shape(fixture("root-no-user")) == [s for s in real if s[0] != "USER"]
    reordered = _shape(fixture("code-before-requirements"))
    assert Counter(reordered) == Counter(real)
    assert reordered != real


def test_assertion_helpers_fail_with_expected_found_and_where() -> None:
    found = check(fixture("no-expose"))
    with pytest.raises(
        pytest.fail.Exception, match=r"expected no findings for X, found 1:\n  .*:5: "
    ):
        assert_clean(found, "X")
    with pytest.raises(pytest.fail.Exception, match=r"at exactly \[\('DF001', 5\)\], found "):
        assert_places(found, {("DF001", 5)}, "X")
    with pytest.raises(
        pytest.fail.Exception, match=r"expected DF001 at line 5 of X, found instead"
    ):
        assert_has(found, "DF001", 5, "X")
