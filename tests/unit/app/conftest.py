"""The unit suite's apps: SQLite in memory, in-process cache and limiter (``app_config``), a
fresh schema each (``prepare_app``). The layers above them (``make_app`` -> ``app`` -> ``client``
/ ``runner`` -> ``token`` -> ``api``) are tests/app_fixtures.py's; ``web`` (signed in to the
pages) and ``seed`` (a graded course) are this suite's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.db import db
from app.models import Assignment, Course, Enrollment, Grade, Student, Teacher
from tests.app_helpers import APP_ENV_VARS, TEACHER, ApiClient, create_schema, sign_in

SECRET_KEY = "d397dd8027546ee1f2ce70e205f922e9b6739d5a36ccb1ea"  # pragma: allowlist secret
ENCRYPTION_KEY = "unit-test-passphrase-5f0c2b7e9a41d3386c1e0b94a7d2e6"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the app's variables from the environment for every test."""
    for name in APP_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """The test_config mapping the ``app`` fixture passes to create_app."""
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "API_TOKEN_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",  # in memory: no fsync per commit
        "CORS_ORIGINS": ["https://grades.example.com"],
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture
def prepare_app() -> Callable[[Flask], None]:
    """Every app made gets a fresh schema (``create_schema``: far faster than migrating)."""
    return create_schema


@pytest.fixture
def web(api: ApiClient) -> ApiClient:
    """``api`` whose client has also signed in to the pages as the token's teacher."""
    response = sign_in(api.client)
    assert response.status_code == 302, "signing in with a valid token should redirect"
    return api


@pytest.fixture
def seed(app: Flask, api: ApiClient) -> dict[str, Any]:
    """A course weighted homework 40 / exams 60, two students, three assignments, grades.

    Ada: homework 18/20 + 9/10 (90%), exam 80/100 -> 0.4*90 + 0.6*80 = 84.0 (B).
    Bob: homework 10/20 only (50%), exam ungraded -> exams drop out -> 50.0 (F).
    Rows are inserted directly (fast), the token's teacher's; the API's create paths have their
    own tests.
    """
    with app.app_context():
        teacher_id = db.session.scalar(select(Teacher.id).where(Teacher.email == TEACHER))
    course = Course(
        teacher_id=teacher_id,
        code="MATH101",
        name="Calculus",
        credits=4,
        category_weights={"homework": 40, "exams": 60},
    )
    ada = Student(name="Ada", email="ada@example.com", teacher_id=teacher_id)
    bob = Student(name="Bob", email="bob@example.com", teacher_id=teacher_id)
    hw1 = Assignment(course=course, title="HW1", category="homework", max_points=20)
    hw2 = Assignment(course=course, title="HW2", category="homework", max_points=10)
    exam = Assignment(course=course, title="Midterm", category="exams", max_points=100)
    rows = [
        course,
        ada,
        bob,
        hw1,
        hw2,
        exam,
        Enrollment(student=ada, course=course),
        Enrollment(student=bob, course=course),
        Grade(student=ada, assignment=hw1, score=18),
        Grade(student=ada, assignment=hw2, score=9),
        Grade(student=ada, assignment=exam, score=80),
        Grade(student=bob, assignment=hw1, score=10),
    ]
    with app.app_context():
        for row in rows:
            db.session.add(row)
            db.session.flush()
        db.session.commit()
        return {
            "course": course.to_dict(),
            "ada": ada.to_dict(),
            "bob": bob.to_dict(),
            "hw1": hw1.to_dict(),
            "hw2": hw2.to_dict(),
            "exam": exam.to_dict(),
        }
