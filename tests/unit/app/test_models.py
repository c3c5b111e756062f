"""Issue 22, item 4 and the constraints behind item 1: uniqueness after normalisation through
the API, and what the database itself refuses whatever the app checks."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.db import db
from app.models import Course, Enrollment, Grade
from tests.app_helpers import ApiClient, teacher_id_of

TWINS = ["AMY@X.EDU", "amy@x.edu\u200b", "ａｍｙ@x.edu", "\ufeffAmy@X.edu"]


@pytest.mark.parametrize("twin", TWINS)
def test_an_email_in_another_spelling_is_a_duplicate(
    api: ApiClient, twin: str, caplog: pytest.LogCaptureFixture
) -> None:
    api.create("/students", {"name": "Amy", "email": "amy@x.edu"})
    other = api.create("/students", {"name": "Bea", "email": "bea@x.edu"})

    with caplog.at_level(logging.INFO):
        created = api.post("/students", {"name": "Amy Again", "email": twin})
        renamed = api.patch(f"/students/{other['id']}", {"email": twin})

    assert (created.status_code, renamed.status_code) == (409, 409)
    assert created.get_json()["error"]["message"] == "A student with this email already exists"
    assert [s["email"] for s in api.read("/students")["items"]] == ["amy@x.edu", "bea@x.edu"]
    # The log names the constraint, never the row.
    assert "students.email_key" in caplog.text
    assert "amy" not in caplog.text.lower()


def test_a_course_code_and_its_full_width_twin_are_one_course(api: ApiClient) -> None:
    api.create("/courses", {"code": "CS-101", "name": "Programming"})

    response = api.post("/courses", {"code": "ＣＳ－１０１", "name": "Programming"})

    assert response.status_code == 409
    assert api.read("/courses")["total"] == 1


def test_the_database_refuses_a_grade_without_an_enrollment(
    app: Flask, api: ApiClient, seed: dict[str, Any]
) -> None:
    enrollment = api.read(f"/enrollments?student_id={seed['bob']['id']}")["items"][0]
    assert api.delete(f"/enrollments/{enrollment['id']}").status_code == 204
    with app.app_context():
        # Past the API's check: the foreign key (student_id, course_id) -> enrollments holds.
        db.session.add(
            Grade(
                student_id=seed["bob"]["id"],
                assignment_id=seed["hw2"]["id"],
                course_id=seed["course"]["id"],
                score=5,
            )
        )
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.commit()


def test_the_database_refuses_a_grade_filed_under_another_course(
    app: Flask, seed: dict[str, Any]
) -> None:
    with app.app_context():
        teacher_id = teacher_id_of()
        other = Course(code="HIST1", name="History", category_weights={}, teacher_id=teacher_id)
        db.session.add(other)
        db.session.flush()
        db.session.add(Enrollment(student_id=seed["bob"]["id"], course_id=other.id))
        db.session.flush()
        # Bob is enrolled in both, but hw2 is MATH101's: (hw2, HIST1) names no assignment.
        db.session.add(
            Grade(
                student_id=seed["bob"]["id"],
                assignment_id=seed["hw2"]["id"],
                course_id=other.id,
                score=5,
            )
        )
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.commit()
