"""Issue 22 on the embedded default, SQLite (a file, as `flask run` uses): the races of
tests/races.py against the app behind werkzeug's threaded server, and the add-student form
submitted 100 times at once. PostgreSQL runs the same races in
tests/container/app/test_concurrent_writes.py."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy
from flask import Flask

from deploycheck.checklist.probes import CSRF_FIELD
from tests import races
from tests.app_helpers import PASSWORD, TEACHER, token_for


@pytest.fixture
def race_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """An app on a SQLite file: each server thread gets a connection of its own (an in-memory
    database is one connection shared by every thread)."""
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'races.sqlite'}")


@pytest.fixture
def served(race_app: Flask) -> Iterator[tuple[races.Api, str]]:
    """``race_app`` served on a local port: an API client with a token, and the token."""
    with race_app.app_context():
        token = token_for("races")
    with races.serve(race_app) as base_url:
        yield races.Api(base_url, token), token


@pytest.fixture
def engine(race_app: Flask, tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    """An engine of the test's own on the same file, for the checks."""
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'races.sqlite'}")
    yield engine
    engine.dispose()


def test_no_score_above_max_points_when_max_points_drops(
    served: tuple[races.Api, str], engine: sqlalchemy.Engine
) -> None:
    seen = races.max_points_against_grades(served[0])

    assert races.count(engine, races.SCORES_ABOVE_MAX) == 0
    assert set(seen) <= {200, 201, 409, 422}, seen
    assert seen[200] + seen[409] == races.ROUNDS, seen


def test_no_grade_outlives_its_enrollment(
    served: tuple[races.Api, str], engine: sqlalchemy.Engine
) -> None:
    seen = races.unenroll_against_grades(served[0])

    assert races.count(engine, races.GRADES_WITHOUT_ENROLLMENT) == 0
    assert set(seen) <= {201, 204, 409, 422}, seen
    assert seen[204] == races.ROUNDS, seen


def test_no_assignment_in_a_category_the_course_dropped(
    served: tuple[races.Api, str], engine: sqlalchemy.Engine
) -> None:
    seen = races.weights_against_assignments(served[0])

    assert races.unweighted_assignments(engine) == 0
    assert set(seen) <= {200, 201, 409, 422}, seen
    assert seen[200] + seen[409] == races.ROUNDS, seen


def test_if_match_keeps_every_increment(served: tuple[races.Api, str]) -> None:
    score, seen = races.increments(served[0], clients=20, step=0.5)

    assert score == 10.0, f"{score} kept {score / 0.5:g} of 20 increments"
    assert set(seen) <= {200, 412}, seen


def test_one_student_per_normalised_email(
    served: tuple[races.Api, str], engine: sqlalchemy.Engine
) -> None:
    seen = races.same_email(served[0], clients=20)

    assert seen == {201: 1, 409: 19}
    assert races.count(engine, sqlalchemy.text("SELECT count(*) FROM students")) == 1


def _signed_in(base_url: str) -> tuple[dict[str, str], str]:
    """Sign in through the login form as the token's teacher: the session cookies and the
    add-student form's token."""
    with requests.Session() as browser:
        page = browser.get(base_url + "/login", timeout=30)
        login = {
            "email": TEACHER,
            "password": PASSWORD,
            "csrf_token": CSRF_FIELD.search(page.text).group(1),
        }
        assert browser.post(base_url + "/login", data=login, timeout=30).ok
        form = CSRF_FIELD.search(browser.get(base_url + "/", timeout=30).text).group(1)
        return browser.cookies.get_dict(), form


def test_add_student_form_submitted_100_times_at_once(
    served: tuple[races.Api, str], engine: sqlalchemy.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 22, item 3: one student, every submit answered with a redirect (no 500), and
    neither the name nor the email in the log."""
    api, _token = served
    base_url = api.base.removesuffix("/api/v1")
    cookies, csrf = _signed_in(base_url)
    data = {"name": "Zelda Quux", "email": "zelda.quux@x.edu", "csrf_token": csrf}

    def submit() -> int:
        url = base_url + "/students"
        response = requests.post(url, data=data, cookies=cookies, allow_redirects=False, timeout=60)
        return response.status_code

    with caplog.at_level(logging.DEBUG):
        codes = races.at_once([submit] * 100)

    assert set(codes) == {302}, sorted(codes)
    assert races.count(engine, sqlalchemy.text("SELECT count(*) FROM students")) == 1
    assert "Zelda" not in caplog.text
    assert "zelda.quux" not in caplog.text
