"""Presets: ``extends: strict`` turns the opt-in conventions on, under the config's own rules,
env vars and the command line; an unknown preset is a config error at file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deploycheck import config as config_module
from deploycheck import registry
from deploycheck.cli import EXIT_FINDINGS, EXIT_OK
from deploycheck.config import Config, load_config
from deploycheck.errors import ConfigError
from deploycheck.findings import Level
from deploycheck.registry import PRESETS, REGISTRY, STRICT, Registry, declare, load_all
from tests.unit.deploycheck.support import REPO, check_project, write_config

SYNTAX_LINE = "# syntax=docker/dockerfile:1\n"


def opt_in_ids() -> set[str]:
    return {info.id for info in load_all() if not info.enabled}


@pytest.fixture
def project(foreign_project: Path) -> Path:
    """A sound foreign Dockerfile that starts with a ``# syntax=`` line: only the opt-in DF009
    (no frontend pull, for builds without a registry) objects to it."""
    dockerfile = foreign_project / "Dockerfile"
    dockerfile.write_text(SYNTAX_LINE + dockerfile.read_text(encoding="utf-8"), encoding="utf-8")
    return foreign_project


def reported(out: str) -> set[str]:
    return set(re.findall(r"\(([A-Z]{2,3}\d{3})\)$", out, re.MULTILINE))


def test_strict_is_every_opt_in_rule_by_default() -> None:
    in_strict = {info.id for info in load_all() if STRICT in info.presets}
    assert in_strict == opt_in_ids()
    assert {"DF009", "XF002"} <= in_strict, "the opt-in rules of today are in strict"
    assert all(not info.presets for info in load_all() if info.enabled)


def test_extends_strict_turns_every_opt_in_rule_on(tmp_path: Path) -> None:
    assert not any(Config().enabled(rule_id) for rule_id in opt_in_ids())
    config = load_config(write_config(tmp_path, "extends: strict\n"))
    assert config.presets == {"strict"}
    assert all(config.enabled(rule_id) for rule_id in opt_in_ids())
    listed = load_config(write_config(tmp_path, "extends: [strict]\n"))
    assert listed.presets == config.presets


def test_a_preset_turns_a_rule_on_and_the_checker_reports_it(
    capsys: pytest.CaptureFixture[str], project: Path
) -> None:
    code, out = check_project(capsys, project, "--no-config")
    assert (code, reported(out) & opt_in_ids()) == (EXIT_OK, set()), out
    write_config(project, "extends: strict\n")
    code, out = check_project(capsys, project)
    assert (code, reported(out)) == (EXIT_FINDINGS, {"DF009"}), out
    assert f"{project / 'Dockerfile'}:1: error `# syntax=docker/dockerfile:1`" in out


@pytest.mark.parametrize(
    ("config_text", "argv", "expected"),
    [
        ("extends: strict\nrules:\n  DF009: off\n", (), EXIT_OK),
        ("extends: strict\nrules:\n  DF009: warning\n", (), EXIT_OK),
        ("extends: strict\n", ("--rule", "DF009=off"), EXIT_OK),
        ("extends: strict\nrules:\n  DF009: off\n", ("--rule", "DF009=error"), EXIT_FINDINGS),
        ("rules:\n  DF009: error\n", (), EXIT_FINDINGS),
    ],
    ids=["config-off", "config-level", "cli-off", "cli-on-over-config", "per-rule"],
)
def test_precedence_is_command_line_then_config_then_preset(
    capsys: pytest.CaptureFixture[str],
    project: Path,
    config_text: str,
    argv: tuple[str, ...],
    expected: int,
) -> None:
    write_config(project, config_text)
    code, out = check_project(capsys, project, *argv)
    assert code == expected, out


def test_env_options_reach_a_rule_the_preset_turned_on(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, "extends: strict\n")).with_overrides(
        environ={"DEPLOYCHECK_RB015_KEY": "ALLOWED_ORIGINS"}
    )
    assert config.enabled("RB015")
    assert config.options("RB015") == {"key": "ALLOWED_ORIGINS"}
    assert config.level("RB015", Level.ERROR) is Level.ERROR


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("# ours\nextends: strictest\n", 2),
        ("rules:\n  DF004: off\nextends:\n  - strict\n  - house\n", 5),
    ],
)
def test_an_unknown_preset_is_a_config_error_at_its_line(
    tmp_path: Path, text: str, line: int
) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}:{line}: unknown preset "), error.value
    assert f"(known: {', '.join(sorted(PRESETS))})" in str(error.value)


def test_pyproject_extends_a_preset(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.deploycheck]\nextends = "strict"\n', encoding="utf-8")
    assert load_config(path).enabled("DF009")
    path.write_text('[project]\nname = "x"\n[tool.deploycheck]\nextends = "lax"\n')
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:4: unknown preset 'lax'"):
        load_config(path)


def test_a_rule_can_keep_out_of_every_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    """An opt-in rule that can judge nothing without a project's values says presets=()."""
    scratch = Registry()
    monkeypatch.setattr(registry, "REGISTRY", scratch)
    monkeypatch.setattr(config_module, "REGISTRY", scratch)
    doc = "A scratch rule.\n\nPasses: a\nFails: b\n"
    declare("ZZ001", doc, target="dockerfile", enabled=False)
    declare("ZZ002", doc, target="dockerfile", enabled=False, presets=())
    strict = Config(presets=frozenset({STRICT}))
    assert (strict.enabled("ZZ001"), strict.enabled("ZZ002")) == (True, False)
    with pytest.raises(ValueError, match="ZZ003 names unknown preset"):
        declare("ZZ003", doc, target="dockerfile", enabled=False, presets=("house",))


def test_this_repository_extends_strict() -> None:
    """Its own guard keeps every convention on, whichever rules become opt-in."""
    config = load_config(REPO / ".deploycheck.yaml")
    assert STRICT in config.presets
    assert all(config.enabled(info.id) for info in REGISTRY if STRICT in info.presets)
