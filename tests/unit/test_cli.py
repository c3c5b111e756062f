from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.db import db
from app.models import ApiToken
from app.security import find_token


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
