from __future__ import annotations

from typing import Any

import pytest

from tests.unit.app.pages.conftest import Pages, field_error


@pytest.fixture
def other_course(pages: Pages, seed: dict[str, Any]) -> dict[str, Any]:
    """A second course with Ada enrolled in it and no one else."""
    course = pages.api.create("/courses", {"code": "PHYS1", "name": "Physics"})
    pages.api.create("/enrollments", {"student_id": seed["ada"]["id"], "course_id": course["id"]})
    return course


def test_the_roster_lists_the_students_with_an_unenroll_link(
    pages: Pages, seed: dict[str, Any]
) -> None:
    page = pages.client.get("/courses/1/students").text
    assert "Ada" in page
    assert "Bob" in page
    assert f'href="/courses/1/students/{seed["bob"]["id"]}/unenroll"' in page


def test_enrolls_a_student_of_another_course(
    pages: Pages, seed: dict[str, Any], other_course: dict[str, Any]
) -> None:
    path = f"/courses/{other_course['id']}/students"
    page = pages.client.get(path).text
    # Bob is offered; Ada, already enrolled, is not.
    assert f'<option value="{seed["bob"]["id"]}">Bob</option>' in page
    assert f'<option value="{seed["ada"]["id"]}">' not in page
    response = pages.submit(f"{path}/enroll", {"student_id": seed["bob"]["id"]}, path)
    assert response.status_code == 302
    enrolled = pages.api.read(f"/enrollments?course_id={other_course['id']}")
    assert {e["student_id"] for e in enrolled["items"]} == {seed["ada"]["id"], seed["bob"]["id"]}


def test_a_student_not_offered_is_refused_by_the_field(
    pages: Pages, seed: dict[str, Any], other_course: dict[str, Any]
) -> None:
    path = f"/courses/{other_course['id']}/students"
    page = pages.submit(f"{path}/enroll", {"student_id": seed["ada"]["id"]}, path).text
    assert field_error(page, "student_id") == "Not a valid choice."


def test_adds_and_enrolls_a_new_student(pages: Pages, seed: dict[str, Any]) -> None:
    data = {"name": "Carol", "email": "carol@example.com"}
    response = pages.submit("/courses/1/students/new", data, "/courses/1/students")
    assert response.headers["Location"] == "/courses/1/students"
    assert "Carol" in pages.client.get("/courses/1").text


@pytest.mark.parametrize(
    ("data", "field_id", "problem"),
    [
        ({"name": "", "email": "c@example.com"}, "name", "Name must be a non-empty string."),
        ({"name": "Carol", "email": "carol"}, "email", "Email must be an email address."),
        (
            {"name": "Ada again", "email": "ada@example.com"},
            "email",
            "A student with this email already exists",
        ),
    ],
)
def test_a_refused_student_is_shown_by_the_field(
    pages: Pages, seed: dict[str, Any], data: dict[str, str], field_id: str, problem: str
) -> None:
    response = pages.submit("/courses/1/students/new", data, "/courses/1/students")
    assert response.status_code == 200
    assert field_error(response.text, field_id) == problem
    assert pages.api.read("/students")["total"] == 2
    assert pages.api.read("/enrollments")["total"] == 2


def test_unenroll_asks_first_then_deletes_the_grades(pages: Pages, seed: dict[str, Any]) -> None:
    pages.delete_confirmed(
        f"/courses/1/students/{seed['ada']['id']}/unenroll",
        ["Unenroll Ada from MATH101?", "Their 3 grade(s) in MATH101 are deleted"],
        then="/courses/1/students",
    )
    assert pages.api.read("/enrollments?course_id=1")["total"] == 1
    assert pages.api.read(f"/grades?student_id={seed['ada']['id']}")["total"] == 0
