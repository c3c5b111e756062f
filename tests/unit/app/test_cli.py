from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app import passwords
from app.db import db
from app.models import PLACEHOLDER_OWNER, ApiToken, Teacher
from app.tokens import Grant, hash_token
from tests.app_helpers import PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[3]


def find_token(token: str) -> ApiToken | None:
    """The stored row of ``token`` (in an app context)."""
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def create_teacher(runner: FlaskCliRunner, email: str, password: str = PASSWORD) -> Any:
    return runner.invoke(args=["create-teacher", email], input=password + "\n")


def test_create_teacher_stores_an_argon2_hash_of_the_password_from_stdin(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = create_teacher(runner, " Ada@School.edu ")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "Created teacher Ada@School.edu."
    with app.app_context():
        teacher = passwords.find_teacher("ada@school.EDU")
        assert teacher is not None
        assert teacher.password_hash is not None
        assert teacher.password_hash.startswith("$argon2id$")
        assert PASSWORD not in teacher.password_hash
        assert passwords.authenticate("ADA@school.edu", PASSWORD) == teacher
        assert passwords.authenticate("ada@school.edu", PASSWORD + "x") is None


def test_create_teacher_sets_the_password_of_an_existing_teacher(
    app: Flask, runner: FlaskCliRunner
) -> None:
    """The migrated owner, who has no password, gets one (and keeps its data)."""
    with app.app_context():
        db.session.add(Teacher(email=PLACEHOLDER_OWNER))
        db.session.commit()
        assert passwords.authenticate(PLACEHOLDER_OWNER, PASSWORD) is None
    result = create_teacher(runner, PLACEHOLDER_OWNER)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"Password set for {PLACEHOLDER_OWNER}."
    with app.app_context():
        assert len(db.session.scalars(select(Teacher)).all()) == 1
        assert passwords.authenticate(PLACEHOLDER_OWNER, PASSWORD) is not None


@pytest.mark.parametrize(
    ("email", "password", "problem"),
    [
        ("not-an-email", PASSWORD, "Error: 'not-an-email' is not an email address"),
        ("ada@school.edu", "short", "Error: the password must be at least 12 characters"),
        ("ada@school.edu", "", "Error: the password must be at least 12 characters"),
    ],
)
def test_create_teacher_refuses_bad_input_in_one_line(
    app: Flask, runner: FlaskCliRunner, email: str, password: str, problem: str
) -> None:
    result = create_teacher(runner, email, password)
    assert result.exit_code == 1
    assert result.stderr.strip() == problem
    with app.app_context():
        assert db.session.scalars(select(Teacher)).all() == []


def test_create_token_acts_for_the_named_teacher(app: Flask, runner: FlaskCliRunner) -> None:
    create_teacher(runner, "ada@school.edu")
    create_teacher(runner, "bob@school.edu")
    result = runner.invoke(args=["create-token", "ada-ci", "--teacher", "ADA@school.edu"])
    assert result.exit_code == 0, result.output
    assert "for ada@school.edu" in result.stderr
    with app.app_context():
        row = find_token(result.stdout.strip())
        assert row is not None
        assert row.teacher_id == passwords.find_teacher("ada@school.edu").id  # type: ignore[union-attr]


def test_create_token_refuses_an_unknown_teacher_and_a_missing_one_among_several(
    app: Flask, runner: FlaskCliRunner
) -> None:
    unknown = runner.invoke(args=["create-token", "x", "--teacher", "eve@school.edu"])
    assert unknown.exit_code == 1
    assert "no teacher 'eve@school.edu': create one with" in unknown.stderr
    create_teacher(runner, "ada@school.edu")
    create_teacher(runner, "bob@school.edu")
    several = runner.invoke(args=["create-token", "x"])
    assert several.exit_code == 1
    assert "there are several teachers: name one with --teacher EMAIL" in several.stderr
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_create_token_without_teachers_acts_for_the_placeholder_owner(
    app: Flask, runner: FlaskCliRunner
) -> None:
    """Scripts from before teachers (a fresh database, one token) keep working; the owner
    cannot sign in to the pages until create-teacher gives it a password."""
    assert runner.invoke(args=["create-token", "bot"]).exit_code == 0
    assert runner.invoke(args=["create-token", "bot2"]).exit_code == 0
    with app.app_context():
        (owner,) = db.session.scalars(select(Teacher)).all()
        assert (owner.email, owner.password_hash) == (PLACEHOLDER_OWNER, None)
        assert {row.teacher_id for row in db.session.scalars(select(ApiToken))} == {owner.id}


def test_create_token_prints_the_token_once(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-token", "deploy-bot"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("gt_")
    assert result.output.count(token) == 1
    assert "will not be shown again" in result.stderr
    with app.app_context():
        found = find_token(token)
        assert found is not None
        assert found.name == "deploy-bot"


def test_create_token_refuses_a_duplicate_name(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["create-token", "bot"])
    result = runner.invoke(args=["create-token", "bot"])
    assert result.exit_code != 0
    assert "already exists" in result.output
    with app.app_context():
        assert len(db.session.scalars(select(ApiToken)).all()) == 1


def _token_row(app: Flask, name: str) -> ApiToken:
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
        assert row is not None, f"no token {name!r} stored"
        return row


def test_create_token_defaults_to_write_scope_and_no_expiry(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["create-token", "bench"]).exit_code == 0
    row = _token_row(app, "bench")
    assert (row.scope, row.expires_at) == ("write", None)


def test_create_token_with_read_scope_and_expiry(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-token", "dash", "--scope", "read", "--expires-in-days", "7"]
    )
    assert result.exit_code == 0, result.output
    row = _token_row(app, "dash")
    assert row.scope == "read"
    assert row.expires_at is not None
    assert not Grant.of(row).expired()


@pytest.mark.parametrize(
    ("args", "problem"),
    [(["--scope", "admin"], "'admin' is not one of"), (["--expires-in-days", "0"], "0 is not in")],
)
def test_create_token_refuses_bad_options(
    app: Flask, runner: FlaskCliRunner, args: list[str], problem: str
) -> None:
    result = runner.invoke(args=["create-token", "x", *args])
    assert result.exit_code == 2
    assert problem in result.output
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_list_tokens_shows_names_and_scopes_never_values(runner: FlaskCliRunner) -> None:
    token = runner.invoke(args=["create-token", "ci"]).stdout.strip()
    runner.invoke(args=["create-token", "dash", "--scope", "read"])
    result = runner.invoke(args=["list-tokens"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[:4] for line in lines] == [
        ["ci", PLACEHOLDER_OWNER, "write", "active"],
        ["dash", PLACEHOLDER_OWNER, "read", "active"],
    ]
    assert token not in result.output


def test_revoke_token_stops_it_working(app: Flask, runner: FlaskCliRunner) -> None:
    token = runner.invoke(args=["create-token", "leaked"]).stdout.strip()
    assert runner.invoke(args=["revoke-token", "leaked"]).exit_code == 0
    with app.app_context():
        assert find_token(token) is None
    missing = runner.invoke(args=["revoke-token", "leaked"])
    assert missing.exit_code == 1
    assert "no token named 'leaked'" in missing.output


def _flask(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_create_token_prints_only_the_token_on_stdout_in_a_real_process(tmp_path: Path) -> None:
    """`T=$(flask --app app create-token x)`: the development warning goes to stderr."""
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    assert _flask(["db", "upgrade"], database, tmp_path).returncode == 0
    result = _flask(["create-token", "ci"], database, tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"gt_[\w-]{40,}\n", result.stdout), result.stdout
    assert "API_TOKEN_ENCRYPTION_KEY not set" in result.stderr


def test_db_upgrade_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    """The pre-deploy step: click's one Error line, no traceback."""
    result = _flask(["db", "upgrade"], {"APP_ENV": "production"}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: Refusing to start in production: FLASK_SECRET_KEY is not set")


def test_revoke_token_changes_nothing_when_the_token_cache_cannot_be_written(
    make_app: Callable[..., Flask],
) -> None:
    """A Redis nobody listens on (port 1 refuses at once): the revoke must say it failed and
    leave the token, rather than delete the row and let cached grants live on."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    runner = app.test_cli_runner()
    token = runner.invoke(args=["create-token", "kept"]).stdout.strip()
    result = runner.invoke(args=["revoke-token", "kept"])
    assert result.exit_code == 1
    assert "token 'kept' not revoked: the token cache could not be updated" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert find_token(token) is not None


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:hunter2-db-pw@127.0.0.1:1/app",  # pragma: allowlist secret
        "sqlite:////nonexistent-folder/grades.sqlite",
    ],
)
def test_db_upgrade_against_an_unreachable_database_is_one_line(tmp_path: Path, url: str) -> None:
    """About 150 lines of SQLAlchemy traceback before; the password never shows."""
    # A key set, so development's "per-process key" warning does not precede the line.
    env = {"DATABASE_URL": url, "API_TOKEN_ENCRYPTION_KEY": "Q" * 43 + "="}
    result = _flask(["db", "upgrade"], env, tmp_path)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1, output
    assert "Traceback" not in output
    (line,) = output.splitlines()
    assert line.startswith("Error: DATABASE_URL: cannot connect to the database: "), line
    assert "hunter2" not in line
