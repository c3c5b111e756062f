"""The JSON API on PostgreSQL: what the flow writes is in the database, read back without the
app, and the reports built from it carry the right numbers."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet

from tests.app_helpers import ApiClient
from tests.container.app.support import ENCRYPTION_KEY

pytestmark = pytest.mark.container

School = dict[str, dict[str, Any]]


def test_api_flow_persists_every_row_in_postgres(
    school: School, pg_conn: psycopg.Connection[Any]
) -> None:
    courses = pg_conn.execute(
        "SELECT id, code, name, credits, category_weights FROM courses ORDER BY code"
    ).fetchall()
    students = pg_conn.execute("SELECT id, name, email FROM students ORDER BY name").fetchall()
    enrollments = pg_conn.execute(
        "SELECT s.name, c.code FROM enrollments e"
        " JOIN students s ON s.id = e.student_id JOIN courses c ON c.id = e.course_id"
        " ORDER BY s.name, c.code"
    ).fetchall()
    assignments = pg_conn.execute(
        "SELECT c.code, a.title, a.category, a.max_points FROM assignments a"
        " JOIN courses c ON c.id = a.course_id ORDER BY a.id"
    ).fetchall()
    grades = pg_conn.execute(
        "SELECT s.name, a.title, g.score FROM grades g"
        " JOIN students s ON s.id = g.student_id JOIN assignments a ON a.id = g.assignment_id"
        " ORDER BY g.id"
    ).fetchall()

    assert courses == [
        (school["hist"]["id"], "HIST200", "History", 3.0, {}),
        (school["math"]["id"], "MATH101", "Calculus", 4.0, {"homework": 40, "exams": 60}),
    ]
    assert students == [
        (school["ada"]["id"], "Ada", "ada@example.com"),
        (school["bob"]["id"], "Bob", "bob@example.com"),
    ]
    assert enrollments == [("Ada", "HIST200"), ("Ada", "MATH101"), ("Bob", "MATH101")]
    assert assignments == [
        ("MATH101", "HW1", "homework", 20.0),
        ("MATH101", "HW2", "homework", 10.0),
        ("MATH101", "Midterm", "exams", 100.0),
        ("HIST200", "Essay", "essays", 50.0),
        ("HIST200", "Quiz", "quizzes", 25.0),
    ]
    assert grades == [
        ("Ada", "HW1", 18.0),
        ("Ada", "HW2", 9.0),
        ("Ada", "Midterm", 80.0),
        ("Ada", "Essay", 47.0),
        ("Ada", "Quiz", 24.0),
        ("Bob", "HW1", 10.0),
    ]


def test_student_report_weights_categories(api: ApiClient, school: School) -> None:
    report = api.read(f"/courses/{school['math']['id']}/students/{school['ada']['id']}/report")

    # Homework (18 + 9) / (20 + 10) = 90 %, exams 80 / 100 = 80 %: 0.4 * 90 + 0.6 * 80.
    assert report["percentage"] == 84.0
    assert report["letter"] == "B"
    assert (report["graded_assignments"], report["ungraded_assignments"]) == (3, 0)
    assert report["categories"] == {
        "homework": {
            "percentage": 90.0,
            "earned": 27.0,
            "possible": 30.0,
            "weight": 40.0,
            "effective_weight": 0.4,
        },
        "exams": {
            "percentage": 80.0,
            "earned": 80.0,
            "possible": 100.0,
            "weight": 60.0,
            "effective_weight": 0.6,
        },
    }


def test_student_report_drops_categories_without_graded_work(
    api: ApiClient, school: School
) -> None:
    report = api.read(f"/courses/{school['math']['id']}/students/{school['bob']['id']}/report")

    # Only HW1 is graded (10 / 20): exams drop out and homework carries the whole weight.
    assert (report["percentage"], report["letter"]) == (50.0, "F")
    assert (report["graded_assignments"], report["ungraded_assignments"]) == (1, 2)
    assert list(report["categories"]) == ["homework"]
    assert report["categories"]["homework"]["effective_weight"] == 1.0


def test_course_summary_covers_every_enrolled_student(api: ApiClient, school: School) -> None:
    summary = api.read(f"/courses/{school['math']['id']}/summary")

    assert summary["students"] == [
        {"student_id": school["ada"]["id"], "name": "Ada", "percentage": 84.0, "letter": "B"},
        {"student_id": school["bob"]["id"], "name": "Bob", "percentage": 50.0, "letter": "F"},
    ]
    # (84 + 50) / 2 = 67; with two students the median is the same mean.
    assert (summary["average"], summary["median"]) == (67.0, 67.0)
    assert (summary["highest"], summary["lowest"]) == (84.0, 50.0)
    assert summary["distribution"] == {"A": 0, "B": 1, "C": 0, "D": 0, "F": 1}


def test_gpa_weights_letters_by_credits(api: ApiClient, school: School) -> None:
    ada = api.read(f"/students/{school['ada']['id']}/gpa")
    bob = api.read(f"/students/{school['bob']['id']}/gpa")

    # HIST pools points: (47 + 24) / (50 + 25) = 94.666... -> 94.67, an A.
    assert [(row["code"], row["percentage"], row["letter"]) for row in ada["courses"]] == [
        ("HIST200", 94.67, "A"),
        ("MATH101", 84.0, "B"),
    ]
    # (3 credits x A 4.0 + 4 credits x B 3.0) / 7 credits = 24 / 7 = 3.428... -> 3.43.
    assert ada["gpa"] == 3.43
    assert bob["gpa"] == 0.0


def test_deleting_a_course_cascades_in_postgres(
    api: ApiClient, school: School, pg_conn: psycopg.Connection[Any]
) -> None:
    assert api.delete(f"/courses/{school['math']['id']}").status_code == 204

    # The ORM leaves children to the database (passive_deletes): the foreign keys'
    # ON DELETE CASCADE must have removed them.
    left = pg_conn.execute(
        "SELECT (SELECT count(*) FROM assignments WHERE course_id = %(id)s),"
        " (SELECT count(*) FROM enrollments WHERE course_id = %(id)s),"
        " (SELECT count(*) FROM grades), (SELECT count(*) FROM students)",
        {"id": school["math"]["id"]},
    ).fetchone()
    assert left == (0, 0, 2, 2), "(assignments, enrollments, grades, students) left"


@pytest.mark.checklist(5)
def test_api_token_is_stored_hashed_and_encrypted(
    token: str, pg_conn: psycopg.Connection[Any]
) -> None:
    rows = pg_conn.execute("SELECT name, token_hash, token_encrypted FROM api_tokens").fetchall()

    assert len(rows) == 1
    name, token_hash, encrypted = rows[0]
    assert name == "container-tests"
    assert token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.encode() not in bytes(encrypted)
    assert Fernet(ENCRYPTION_KEY).decrypt(bytes(encrypted)).decode() == token
