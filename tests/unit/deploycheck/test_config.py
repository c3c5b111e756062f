"""deploycheck's config: generic defaults, the project's .deploycheck.yaml, levels, options,
per-path ignores, env and command-line overrides, and config errors at file:line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from deploycheck.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE
from deploycheck.config import Config, config_for, find_config, load_config
from deploycheck.errors import ConfigError
from deploycheck.findings import Finding, Level
from tests.unit.deploycheck.support import (
    FOREIGN,
    REPO,
    check_foreign,
    check_project,
    run,
    write_config,
)

# What gradetracker's config asks for; a foreign file checked without it must not hear of them.
APP_VALUES = (
    "python:3.11-slim-bookworm",
    "10001",
    "10000",
    "/health",
    "40s",
    "gunicorn",
    "appuser",
    "standard",
    "checksPass",
    "FLASK_SECRET_KEY",
    "allkeys-lru",
    "project's config",
)


def reported(out: str) -> set[str]:
    """The rule ids of the text report's ``path:line:col: level message (ID)`` lines."""
    return set(re.findall(r"\(([A-Z]{2,3}\d{3})\)$", out, re.MULTILINE))


def app_values_in(text: str) -> list[str]:
    return [value for value in APP_VALUES if value in text]


def test_foreign_dockerfile_without_config_hears_nothing_of_this_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = check_foreign(capsys, "broken.Dockerfile", "--no-config")
    assert code == EXIT_FINDINGS
    assert {"DF003", "DF004", "DF007"} <= reported(out), out
    assert app_values_in(out) == [], out


def test_the_same_file_under_this_repo_config_is_told_the_app_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The other side of the test above: with the project's config the values appear, so the
    check above can fail."""
    code, out, _ = check_foreign(
        capsys, "broken.Dockerfile", "--config", str(REPO / ".deploycheck.yaml")
    )
    assert code == EXIT_FINDINGS
    assert {"python:3.11-slim-bookworm", "10001", "/health", "project's config"} <= set(
        app_values_in(out)
    ), out


def test_a_sound_foreign_dockerfile_passes_the_generic_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = check_foreign(capsys, "Dockerfile", "--no-config")
    assert code == EXIT_OK, out


def test_this_repo_hadolint_config_never_reaches_a_foreign_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from the repository root, whose .hadolint.yaml demands five OCI labels."""
    monkeypatch.chdir(REPO)
    code, out, _ = check_foreign(capsys, "Dockerfile", "--no-config")
    assert "DL3049" not in out, out
    assert code == EXIT_OK, out


def test_foreign_blueprint_without_config_hears_nothing_of_this_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "blueprint", str(FOREIGN / "render.yaml"), "--no-config")
    assert (code, app_values_in(out)) == (EXIT_OK, []), out


def test_foreign_blueprint_under_this_repo_config_fails_its_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "blueprint",
        str(FOREIGN / "render.yaml"),
        "--config",
        str(REPO / ".deploycheck.yaml"),
    )
    assert code == EXIT_FINDINGS
    assert {"RB003", "RB005", "RB006", "RB007", "RB009", "RB012"} <= reported(out), out


@pytest.fixture
def project(foreign_project: Path) -> Path:
    """The foreign project with its broken Dockerfile as the one to check."""
    shutil.copy(foreign_project / "broken.Dockerfile", foreign_project / "Dockerfile")
    return foreign_project


def test_a_rule_set_to_warning_no_longer_fails_the_check(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    levels = "\n".join(
        f"  {rule_id}: warning" for rule_id in ("DF003", "DF004", "DF005", "DF007", "DF008")
    )
    write_config(project, f"rules:\n{levels}\n")
    code, out = check_project(capsys, project)
    assert code == EXIT_OK, out
    assert re.search(r": warning .*\(DF004\)$", out, re.MULTILINE), out


def test_a_rule_turned_off_reports_nothing(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    write_config(project, "rules:\n  DF004: off\n  DF007: error\n")
    code, out = check_project(capsys, project)
    assert code == EXIT_FINDINGS
    assert "DF004" not in out, out
    assert "DF007" in out, out


def test_config_is_found_from_the_checked_file_upward(tmp_path: Path) -> None:
    config = write_config(tmp_path, "rules:\n  DF004: off\n")
    nested = tmp_path / "services" / "api"
    nested.mkdir(parents=True)
    assert find_config(nested / "Dockerfile") == config
    assert not config_for(nested / "Dockerfile").enabled("DF004")
    assert config_for(nested / "Dockerfile", use_files=False) == Config()


def test_pyproject_tool_table_is_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.deploycheck.rules]\nDF012 = "off"\n'
        'DF002 = { base = "node:20-bookworm-slim" }\n',
        encoding="utf-8",
    )
    config = config_for(tmp_path / "Dockerfile")
    assert config.path == tmp_path / "pyproject.toml"
    assert not config.enabled("DF012")
    assert config.options("DF002") == {"base": "node:20-bookworm-slim"}


def test_a_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    write_config(tmp_path, "rules:\n  DF012: off\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "pkg"\n', encoding="utf-8")
    assert find_config(inner / "Dockerfile") == tmp_path / ".deploycheck.yaml"


def test_an_option_reaches_its_rule(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    write_config(project, "rules:\n  DF002: {base: python:3.12-slim-bookworm}\n")
    code, out = check_project(capsys, project)
    assert code == EXIT_FINDINGS
    assert "expected the python:3.12-slim-bookworm family (from the project's config)" in out, out


def test_an_opt_in_rule_runs_once_given_a_level(tmp_path: Path) -> None:
    assert not Config().enabled("XF002")
    assert load_config(write_config(tmp_path, "rules:\n  XF002: warning\n")).enabled("XF002")


def test_per_path_ignores_are_relative_to_the_config(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "ignore:\n  legacy/**: [DF004]\n"))
    old = Finding(str(tmp_path / "legacy" / "Dockerfile"), 3, "DF004", "root")
    new = Finding(str(tmp_path / "Dockerfile"), 3, "DF004", "root")
    assert config.apply([old, new]) == [new]


def test_command_line_beats_env_beats_file(tmp_path: Path) -> None:
    config = load_config(
        write_config(tmp_path, "rules:\n  RB003: {level: warning, max_instances: 3}\n")
    )
    with_env = config.with_overrides(environ={"DEPLOYCHECK_RB003_MAX_INSTANCES": "5"})
    assert with_env.options("RB003") == {"max_instances": 5}
    assert with_env.level("RB003", Level.ERROR) is Level.WARNING
    with_cli = with_env.with_overrides(levels={"RB003": "info"}, environ={})
    assert with_cli.level("RB003", Level.ERROR) is Level.INFO
    assert with_cli.options("RB003") == {"max_instances": 5}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("rules:\n  DF999: off\n", 2, "unknown rule id 'DF999'"),
        ("rules:\n  DF004: loud\n", 2, "unknown level 'loud'"),
        ("rules:\n  DF002:\n    image: x\n", 3, "DF002 has no option 'image'"),
        ("rules:\n  RB003: {max_instances: three}\n", 2, "wants a whole number"),
        ("rules:\n  DF004: off\n  DF004: warning\n", 3, "duplicate key 'DF004'"),
        ("rules: [DF004\n", 2, "invalid YAML"),
        ("rule:\n  DF004: off\n", 1, "unknown key 'rule'"),
        ("ignore:\n  tests/**: [XX001]\n", 2, "unknown rule id 'XX001'"),
    ],
)
def test_config_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}:{line}: "), error.value
    assert message in str(error.value)


def test_pyproject_errors_name_the_line_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n[tool.deploycheck.rules]\nDF999 = "off"\n')
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:5: unknown rule id 'DF999'"):
        load_config(path)


def test_an_empty_config_file_sets_nothing(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "# nothing to change yet\n"))
    assert (config.rules, config.ignores) == ({}, ())


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(
            "rules:\n  DF004: off\n  DF999: off\n",
            "{path}:3: unknown rule id 'DF999' (known DF ids include DF001, DF002, DF003); "
            "`deploycheck rules` lists them",
            id="unknown-rule",
        ),
        pytest.param(
            "extends: house\n",
            "{path}:1: unknown preset 'house' in extends: (known: strict)",
            id="unknown-preset",
        ),
    ],
)
def test_a_config_error_exits_2_in_one_line(
    capsys: pytest.CaptureFixture[str], project: Path, text: str, error: str
) -> None:
    path = write_config(project, text)
    code, out = check_project(capsys, project)
    assert code == EXIT_UNUSABLE
    assert out == f"deploycheck: error: {error.format(path=path)}\n"


def test_a_malformed_env_override_exits_2(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOYCHECK_DF008_PORT", "eighty")
    code, out = check_project(capsys, project, "--no-config")
    assert code == EXIT_UNUSABLE
    assert "DEPLOYCHECK_DF008_PORT='eighty'" in out, out
    assert "wants a whole number" in out, out
