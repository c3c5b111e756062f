"""A second teacher sees and changes none of the first one's data, through any route: pages,
API and reports. Every route of the app has a case here (or is public): a new route without
one fails ``test_every_route_has_a_case``."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app import create_app
from tests.app_helpers import ApiClient, csrf_token, sign_in, token_for

OTHER = "other@example.com"
# Open to everyone, or about the visitor's own sign-in: no teacher's data.
PUBLIC = {"static", "health.health", "web.login", "web.logout", "openapi.document"}
# The first teacher's names that must never reach the second.
THEIRS = ("MATH101", "Calculus", "Ada", "Bob", "ada@example.com", "Midterm")

# endpoint -> "METHOD[|METHOD] path expected": what the second teacher gets, by each method.
# Paths (and bodies) name the first teacher's rows: {course}, {ada}, {hw1}, {enrollment}, {grade}.
#   missing: 404, as for an id that names no row
#   empty:   200 with none of the first teacher's rows
#   refused: 422, a body naming another's row is a row that does not exist
#   own:     201, codes and emails are per teacher, so the first's do not collide
#   page:    200, a page showing none of the first teacher's names
CASES = {
    "courses.list_courses": "GET /api/v1/courses empty",
    "courses.get_course": "GET /api/v1/courses/{course} missing",
    "courses.create_course": "POST /api/v1/courses own",
    "courses.update_course": "PATCH /api/v1/courses/{course} missing",
    "courses.delete_course": "DELETE /api/v1/courses/{course} missing",
    "students.list_students": "GET /api/v1/students empty",
    "students.get_student": "GET /api/v1/students/{ada} missing",
    "students.create_student": "POST /api/v1/students own",
    "students.update_student": "PATCH /api/v1/students/{ada} missing",
    "students.delete_student": "DELETE /api/v1/students/{ada} missing",
    "enrollments.list_enrollments": "GET /api/v1/enrollments empty",
    "enrollments.get_enrollment": "GET /api/v1/enrollments/{enrollment} missing",
    "enrollments.create_enrollment": "POST /api/v1/enrollments refused",
    "enrollments.delete_enrollment": "DELETE /api/v1/enrollments/{enrollment} missing",
    "assignments.list_assignments": "GET /api/v1/assignments empty",
    "assignments.get_assignment": "GET /api/v1/assignments/{hw1} missing",
    "assignments.create_assignment": "POST /api/v1/assignments refused",
    "assignments.update_assignment": "PATCH /api/v1/assignments/{hw1} missing",
    "assignments.delete_assignment": "DELETE /api/v1/assignments/{hw1} missing",
    "grades.list_grades": "GET /api/v1/grades empty",
    "grades.get_grade": "GET /api/v1/grades/{grade} missing",
    "grades.create_grade": "POST /api/v1/grades refused",
    "grades.update_grade": "PATCH /api/v1/grades/{grade} missing",
    "grades.delete_grade": "DELETE /api/v1/grades/{grade} missing",
    "reports.course_summary": "GET /api/v1/courses/{course}/summary missing",
    "reports.student_in_course": "GET /api/v1/courses/{course}/students/{ada}/report missing",
    "reports.student_gpa": "GET /api/v1/students/{ada}/gpa missing",
    "web.index": "GET / page",
    "web.gradebook": "GET /courses/{course} missing",
    "web.student_report": "GET /students/{ada} missing",
    "web.add_student": "POST /students page",
    "web.record_grade": "POST /courses/{course}/grades missing",
    "course_pages.new_course": "GET|POST /courses/new page",
    "course_pages.edit_course": "GET|POST /courses/{course}/edit missing",
    "course_pages.delete_course": "GET|POST /courses/{course}/delete missing",
    "assignment_pages.new_assignment": "GET|POST /courses/{course}/assignments/new missing",
    "assignment_pages.delete_assignment": (
        "GET|POST /courses/{course}/assignments/{hw1}/delete missing"
    ),
    "grade_pages.grade_sheet_page": "GET|POST /courses/{course}/assignments/{hw1}/grades missing",
    "roster_pages.roster": "GET /courses/{course}/students missing",
    "roster_pages.enroll": "POST /courses/{course}/students/enroll missing",
    "roster_pages.add_student": "POST /courses/{course}/students/new missing",
    "roster_pages.unenroll": "GET|POST /courses/{course}/students/{ada}/unenroll missing",
    "export_pages.export_gradebook": "GET /courses/{course}/grades.csv missing",
}
# The JSON body (API) or form (pages) of the cases that send one.
BODIES: dict[str, dict[str, Any]] = {
    "courses.create_course": {"code": "MATH101", "name": "M"},
    "courses.update_course": {"name": "X"},
    "students.create_student": {"name": "A", "email": "ada@example.com"},
    "students.update_student": {"name": "X"},
    "enrollments.create_enrollment": {"student_id": "{ada}", "course_id": "{course}"},
    "assignments.create_assignment": {
        "course_id": "{course}",
        "title": "T",
        "category": "homework",
        "max_points": 5,
    },
    "assignments.update_assignment": {"title": "X"},
    "grades.create_grade": {"student_id": "{ada}", "assignment_id": "{hw1}", "score": 1},
    "grades.update_grade": {"score": 1},
    "web.add_student": {"name": "A", "email": "ada@example.com"},
    "web.record_grade": {"student_id": "{ada}", "assignment_id": "{hw1}", "score": "1"},
    "course_pages.new_course": {"code": "PHYS1", "name": "Physics"},
    "course_pages.edit_course": {"code": "MATH101", "name": "X"},
    "assignment_pages.new_assignment": {"title": "T", "category": "homework", "max_points": "5"},
    "grade_pages.grade_sheet_page": {"score_{ada}": "1"},
    "roster_pages.enroll": {"student_id": "{ada}"},
    "roster_pages.add_student": {"name": "A", "email": "a@example.com"},
}
# What the first teacher reads before and after: the second's requests must change none of it.
SNAPSHOT = (
    "/courses",
    "/students",
    "/enrollments",
    "/assignments",
    "/grades",
    "/courses/{course}/summary",
    "/courses/{course}/students/{ada}/report",
    "/students/{ada}/gpa",
)


def test_every_route_has_a_case() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC == set(CASES), "a route without a second-teacher case"


@pytest.fixture
def ids(api: ApiClient, seed: dict[str, Any]) -> dict[str, int]:
    """The first teacher's rows (the ``seed``), by the names ``CASES`` use."""
    return {
        "course": seed["course"]["id"],
        "ada": seed["ada"]["id"],
        "hw1": seed["hw1"]["id"],
        "enrollment": api.read("/enrollments")["items"][0]["id"],
        "grade": api.read("/grades")["items"][0]["id"],
    }


@pytest.fixture
def other(app: Flask) -> ApiClient:
    """The second teacher: an API token of theirs, and their browser signed in to the pages."""
    with app.app_context():
        token = token_for("other", email=OTHER)
    other = ApiClient(app.test_client(), token)
    assert sign_in(other.client, OTHER).status_code == 302
    return other


def _filled(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {name.format(**ids): _filled(item, ids) for name, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _snapshot(api: ApiClient, ids: dict[str, int]) -> list[Any]:
    return [api.read(path.format(**ids)) for path in SNAPSHOT]


def _cases() -> list[tuple[str, str]]:
    return [
        (endpoint, method)
        for endpoint, case in sorted(CASES.items())
        for method in case.split()[0].split("|")
    ]


@pytest.mark.checklist(10)
@pytest.mark.parametrize(("endpoint", "method"), _cases())
def test_a_second_teacher_sees_and_changes_none_of_the_first_ones_data(
    api: ApiClient, other: ApiClient, ids: dict[str, int], endpoint: str, method: str
) -> None:
    _, template, expected = CASES[endpoint].split()
    path = template.format(**ids)
    body = BODIES.get(endpoint) if method != "GET" else None
    # The first teacher reads first: their reports are in the cache when the second asks.
    before = _snapshot(api, ids)
    client = other.client
    if path.startswith("/api/"):
        response = client.open(path, method=method, json=_filled(body, ids), headers=other.headers)
    else:
        form = {**_filled(body or {}, ids), "csrf_token": csrf_token(client, "/")}
        response = client.open(path, method=method, data=form, follow_redirects=True)

    if expected == "missing":
        assert response.status_code == 404, response.text
    elif expected == "empty":
        assert response.status_code == 200
        assert response.get_json()["items"] == []
    elif expected == "refused":
        assert response.status_code == 422
        assert "does not exist" in response.text
    elif expected == "own":
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 200
    if expected != "own":
        assert not [name for name in THEIRS if name in response.text]
    assert _snapshot(api, ids) == before
