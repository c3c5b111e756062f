"""requirements.txt ships no development tool and no direct requirement the app never imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploycheck.cli import main
from deploycheck.config import load_config
from deploycheck.rules.requirements import RuntimeRequirements, check
from deploycheck.testing.assertions import assert_clean, assert_places

REPO = Path(__file__).resolve().parents[2]
BROKEN = REPO / "tests" / "fixtures" / "requirements" / "debug-toolbar"


def test_runtime_requirements_are_clean_under_the_project_config() -> None:
    assert_clean(check(REPO, load_config(REPO / ".deploycheck.yaml")), "requirements.txt")


def test_pins_another_requirement_needs_are_not_direct() -> None:
    direct = {pin.name for pin in RuntimeRequirements(REPO).direct}
    assert {"gunicorn", "sentry-sdk", "flask-migrate"} <= direct
    # Flask-Migrate needs Flask and alembic; psycopg[binary] needs psycopg-binary.
    assert {"flask", "alembic", "psycopg-binary", "werkzeug"}.isdisjoint(direct)


def test_debug_toolbar_and_unimported_requirement_are_rejected_at_their_lines() -> None:
    found = check(BROKEN)
    # The toolbar is also never imported, so RQ002 reports it too.
    places = {("RQ001", 5), ("RQ002", 5), ("RQ002", 6)}
    assert_places(found, places, "debug-toolbar/requirements.txt")
    messages = {(f.rule_id, f.line): f.message for f in found}
    assert "flask-debugtoolbar is a development tool" in messages[("RQ001", 5)]
    assert "'xgboost' defined as a dependency but not used" in messages[("RQ002", 6)]


def test_without_the_project_config_runtime_only_requirements_are_findings() -> None:
    """gevent is used by name (GUNICORN_CMD_ARGS), not imported: the config has to say so.
    gunicorn is imported (app/worker.py subclasses its gthread worker)."""
    found = {(f.rule_id, f.message.split("'")[1]) for f in check(REPO)}
    assert found == {("RQ002", "gevent")}


def test_cli_passes_this_repository_and_fails_the_broken_fixture(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["requirements", str(REPO / "requirements.txt"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []

    broken = BROKEN / "requirements.txt"
    assert main(["requirements", str(broken), "--no-config", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert {(f["rule"], f["line"]) for f in found} == {("RQ001", 5), ("RQ002", 5), ("RQ002", 6)}


def test_cli_refuses_a_missing_requirements_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["requirements", str(tmp_path / "requirements.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no such file" in err
