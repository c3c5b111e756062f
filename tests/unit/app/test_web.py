from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import Engine
from werkzeug.test import TestResponse

from app.db import db
from app.models import PLACEHOLDER_OWNER, Assignment, Course, Enrollment, SignIn, Student, Teacher
from tests.app_helpers import (
    PASSWORD,
    TEACHER,
    ApiClient,
    csrf_token,
    sign_in,
    teacher_id_of,
    token_for,
)


def _sign_in(client: FlaskClient) -> None:
    """Sign in as the ``token`` fixture's teacher."""
    __tracebackhide__ = True
    assert sign_in(client).status_code == 302


def _record_bob_exam_grade(api: ApiClient, seed: dict[str, Any], score: str) -> TestResponse:
    """Sign in and post Bob's exam score through the gradebook form of course 1."""
    _sign_in(api.client)
    data = {
        "student_id": seed["bob"]["id"],
        "assignment_id": seed["exam"]["id"],
        "score": score,
        "csrf_token": csrf_token(api.client, "/courses/1"),
    }
    return api.client.post("/courses/1/grades", data=data)


@pytest.mark.parametrize("path", ["/", "/courses/1", "/students/1", "/login"])
def test_pages_render(web: ApiClient, seed: dict[str, Any], path: str) -> None:
    response = web.client.get(path)
    assert response.status_code == 200
    assert "<html" in response.text


def test_gradebook_shows_percentages_and_letters(web: ApiClient, seed: dict[str, Any]) -> None:
    page = web.client.get("/courses/1").text
    assert "84.0" in page
    assert "50.0" in page
    assert "MATH101" in page


def test_student_report_shows_gpa(web: ApiClient, seed: dict[str, Any]) -> None:
    assert "GPA: 3.0" in web.client.get("/students/1").text


@pytest.mark.parametrize("path", ["/courses/99", "/students/99"])
def test_unknown_page_is_html_404(web: ApiClient, path: str) -> None:
    response = web.client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.checklist(10)
def test_sign_out_revokes_a_copied_session_cookie(web: ApiClient, seed: dict[str, Any]) -> None:
    """A captured cookie stops working once its user signs out, though its signature holds."""
    client = web.client
    form_token = csrf_token(client, "/")
    captured = client.get_cookie("session")
    assert captured is not None
    client.post("/logout", data={"csrf_token": form_token})
    client.set_cookie("session", captured.value)
    assert client.get("/").headers.get("Location", "").endswith("/login")
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": form_token}
    assert client.post("/students", data=data).headers["Location"].endswith("/login")
    assert web.read("/students")["total"] == 2


@pytest.mark.checklist(10)
def test_revoked_token_stops_the_api_but_not_the_teachers_page_session(
    app: Flask, web: ApiClient, runner: FlaskCliRunner, seed: dict[str, Any]
) -> None:
    """Pages are signed in with a password now: a token is the API's credential alone."""
    assert runner.invoke(args=["revoke-token", "tests"]).exit_code == 0
    assert web.get("/courses").status_code == 401
    assert "MATH101" in web.client.get("/").text


def test_signing_in_gives_a_new_session_and_sign_out_ends_it(
    app: Flask, client: FlaskClient, token: str
) -> None:
    """Session fixation: nothing of the session before signing in survives it."""
    client.get("/login")
    before = client.get_cookie("session")
    assert sign_in(client).status_code == 302
    after = client.get_cookie("session")
    assert before is not None
    assert after is not None
    assert after.value != before.value
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignIn)) == 1
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignIn)) == 0


def test_grade_form_saves_when_another_save_inserts_the_grade_first(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """The double-clicked Save: another request inserts the same grade while this one waits
    for the assignment's lock. The lookup comes after the lock, so it finds that grade and
    updates it (no UNIQUE conflict, no 500)."""
    path = tmp_path / "race.sqlite"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        token_for("race")
        teacher_id = teacher_id_of()
        course = Course(code="R1", name="Race", category_weights={}, teacher_id=teacher_id)
        student = Student(name="Ada", email="ada@example.com", teacher_id=teacher_id)
        assignment = Assignment(course=course, title="HW", category="hw", max_points=10)
        db.session.add_all(
            [course, student, assignment, Enrollment(student=student, course=course)]
        )
        db.session.commit()
        ids = (course.id, student.id, assignment.id)
    client = app.test_client()
    _sign_in(client)
    data = {
        "student_id": ids[1],
        "assignment_id": ids[2],
        "score": "7",
        "csrf_token": csrf_token(client, f"/courses/{ids[0]}"),
    }

    raced: list[str] = []

    def other_save_first(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("UPDATE assignments SET id") and not raced:
            raced.append(statement)
            with sqlite3.connect(path) as other:
                other.execute(
                    "INSERT INTO grades (student_id, assignment_id, course_id, score, updated_at) "
                    "VALUES (?, ?, ?, 5, CURRENT_TIMESTAMP)",
                    (ids[1], ids[2], ids[0]),
                )

    event.listen(Engine, "before_cursor_execute", other_save_first)
    try:
        response = client.post(f"/courses/{ids[0]}/grades", data=data)
    finally:
        event.remove(Engine, "before_cursor_execute", other_save_first)
    assert raced, "the other save never ran: the form no longer locks the assignment?"
    assert response.status_code == 302
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT score FROM grades").fetchall() == [(7.0,)]


@pytest.mark.checklist(7)
def test_login_post_without_csrf_token_is_rejected(client: FlaskClient, token: str) -> None:
    response = client.post("/login", data={"email": TEACHER, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.text


@pytest.mark.checklist(7)
def test_form_post_without_csrf_token_is_rejected(client: FlaskClient, token: str) -> None:
    _sign_in(client)
    response = client.post("/students", data={"name": "Eve", "email": "eve@example.com"})
    assert response.status_code == 400
    assert "Eve" not in client.get("/").text


@pytest.mark.checklist(7)
def test_form_post_with_csrf_token_adds_student(client: FlaskClient, token: str) -> None:
    _sign_in(client)
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": csrf_token(client, "/")}
    response = client.post("/students", data=data)
    assert response.status_code == 302
    assert "Eve" in client.get("/").text


def test_form_rejects_nul_in_student_name(client: FlaskClient, token: str) -> None:
    _sign_in(client)
    data = {"name": "Nul\x00", "email": "nul@example.com", "csrf_token": csrf_token(client, "/")}
    assert client.post("/students", data=data).status_code == 302
    page = client.get("/").text
    assert "Check the student" in page
    assert "Nul" not in page


@pytest.mark.parametrize("path", ["/courses/99999999999999999999", "/students/2147483648"])
def test_out_of_range_id_in_page_url_is_html_404(web: ApiClient, path: str) -> None:
    assert web.client.get(path).status_code == 404


def test_forms_require_sign_in(client: FlaskClient) -> None:
    data = {"name": "Eve", "email": "eve@example.com", "csrf_token": csrf_token(client, "/login")}
    response = client.post("/students", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


@pytest.mark.parametrize(
    ("email", "password"),
    [(TEACHER, PASSWORD + "x"), ("nobody@example.com", PASSWORD), (PLACEHOLDER_OWNER, PASSWORD)],
    ids=["wrong password", "unknown email", "teacher without a password"],
)
def test_wrong_credentials_do_not_sign_in_and_say_the_same(
    app: Flask, client: FlaskClient, token: str, email: str, password: str
) -> None:
    """One message for every failure: the page never tells which emails have accounts."""
    with app.app_context():
        db.session.add(Teacher(email=PLACEHOLDER_OWNER))
        db.session.commit()
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert "Wrong email or password." in response.text
    assert client.get("/").status_code == 302


def test_record_grade_form_updates_gradebook(api: ApiClient, seed: dict[str, Any]) -> None:
    assert _record_bob_exam_grade(api, seed, "100").status_code == 302
    report = api.get(f"/courses/1/students/{seed['bob']['id']}/report").get_json()
    assert report["percentage"] == 0.4 * 50 + 0.6 * 100


def test_record_grade_form_rejects_score_above_max(api: ApiClient, seed: dict[str, Any]) -> None:
    _record_bob_exam_grade(api, seed, "101")
    assert "between 0 and 100" in api.client.get("/courses/1").text
    assert api.get(f"/grades?assignment_id={seed['exam']['id']}").get_json()["total"] == 1


@pytest.mark.checklist(3)
def test_session_cookie_is_httponly_and_lax(client: FlaskClient, token: str) -> None:
    _sign_in(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_sign_in_older_than_the_session_lifetime_is_over_and_pruned(
    app: Flask, web: ApiClient, seed: dict[str, Any]
) -> None:
    assert web.client.get("/").status_code == 200
    old = datetime.now(UTC) - app.permanent_session_lifetime - timedelta(minutes=1)
    with app.app_context():
        db.session.execute(update(SignIn).values(created_at=old))
        db.session.commit()
    assert web.client.get("/").status_code == 302
    _sign_in(app.test_client())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignIn)) == 1


def test_password_guessing_is_rate_limited(make_app: Callable[..., Flask]) -> None:
    """Sign-in posts count against the write limit: the fourth guess a minute is refused even
    when it is the right password."""
    app = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="100 per minute", RATELIMIT_WRITE="3 per minute"
    )
    with app.app_context():
        token_for("limits")
    client = app.test_client()
    guesses = [sign_in(client, TEACHER, f"guess {n}").status_code for n in range(3)]
    assert guesses == [200, 200, 200]
    assert sign_in(client).status_code == 429
    assert client.get("/").status_code == 302
