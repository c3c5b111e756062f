"""The demo teacher of ``scripts/run-app``: only on the embedded SQLite database, a new password
each start, a sample course made once, and nothing another teacher can see."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app import demo, passwords
from app.db import db
from app.models import Course
from tests.app_helpers import ApiClient, sign_in

SIGN_IN = re.compile(r"Sign in as demo@example\.com with password (\S+) ")


def test_demo_teacher_is_refused_on_any_configured_database(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["demo-teacher"])
    assert result.exit_code == 1
    assert "for the embedded SQLite database only (DATABASE_URL is set)" in result.stderr
    with app.app_context():
        assert passwords.find_teacher(demo.EMAIL) is None


@pytest.fixture
def embedded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's database plays the embedded one (the real file lives in instance/)."""
    monkeypatch.setattr(demo, "embedded_database", lambda: app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.mark.usefixtures("embedded")
def test_demo_teacher_signs_in_with_the_printed_password_and_sees_a_graded_course(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = SIGN_IN.search(runner.invoke(args=["demo-teacher"]).stdout)
    second = SIGN_IN.search(runner.invoke(args=["demo-teacher"]).stdout)
    assert first is not None
    assert second is not None
    assert first.group(1) != second.group(1)
    client = app.test_client()
    assert sign_in(client, demo.EMAIL, first.group(1)).status_code == 200  # the old one is over
    assert sign_in(client, demo.EMAIL, second.group(1)).status_code == 302
    page = client.get("/courses/1").text
    assert "Demo: Calculus" in page
    assert "Ada Lovelace" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1


@pytest.mark.usefixtures("embedded")
def test_another_teacher_sees_none_of_the_demo(runner: FlaskCliRunner, api: ApiClient) -> None:
    assert runner.invoke(args=["demo-teacher"]).exit_code == 0
    assert api.read("/courses")["items"] == []
    assert api.get("/courses/1").status_code == 404
